import type { ConfigInput } from './schema';

/** Identity at runtime; gives a config file types and editor completion. */
export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}
