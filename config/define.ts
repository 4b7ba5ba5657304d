/**
 * What a config file imports: `import { defineConfig } from '@resync-mls/resync'` (the package's
 * only export, see package.json `exports`). Kept free of runtime imports so that it loads as a leaf
 * module wherever the config file lives; the types come along for the editor.
 */
import type { ConfigInput } from './schema';

export type {
  ConfigInput,
  SourceConfig,
  ResourceConfig,
  DestinationConfig,
  MysqlDestinationConfig,
  ExpandConfig,
  RecordTransform,
  TransformContext,
} from './schema';
export type { SchedulesConfig } from './schedules';
export type { AlertsConfig, WebhookConfig, EmailConfig } from './alerts';

/** Identity at runtime; gives a config file types and editor completion. */
export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}
