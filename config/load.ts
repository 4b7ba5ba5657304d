/**
 * Finds, imports and validates the config file. `--config` wins, then $RESYNC_CONFIG, then the
 * demo config that points at the local simulator and database.
 */
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { configSchema, type Config } from './schema';
import { fromRoot, PACKAGE_NAME } from '../scripts/lib/paths';
import { operatorPath } from './operator-path';

export const DEMO_CONFIG_PATH = fromRoot('config', 'demo.config.ts');

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function configPathFrom(explicit?: string): string {
  const chosen = explicit ?? process.env.RESYNC_CONFIG;
  return chosen ? operatorPath(chosen) : DEMO_CONFIG_PATH;
}

export async function loadConfig(explicit?: string): Promise<{ config: Config; file: string }> {
  const file = configPathFrom(explicit);
  if (!existsSync(file)) throw new ConfigError(file, ['file not found']);
  let exported: unknown;
  try {
    const mod = (await importModule(file)) as { default?: unknown };
    exported = mod.default;
  } catch (err) {
    throw new ConfigError(file, [`could not be loaded: ${(err as Error).message}`]);
  }
  if (exported === undefined) throw new ConfigError(file, ['has no default export (export default defineConfig({...}))']);
  return { config: parseConfig(exported, file), file };
}

/** Marks the config file's URL for config/load-hooks.mjs (the same name there). */
const CONFIG_QUERY = 'resync-config';

let hooksInstalled: Promise<void> | undefined;

/**
 * Imports a config module, wherever it lives, as an ES module in which the package name resolves to
 * this checkout's config API (see config/load-hooks.mjs). Under tsx (npm scripts, tests) TypeScript
 * already loads; the built CLI in dist/ runs on plain Node and learns it here, for the config only.
 * Exported for `resync config check`, which goes on checking a config that does not parse.
 */
export async function importModule(file: string): Promise<unknown> {
  hooksInstalled ??= installHooks();
  await hooksInstalled;
  return import(/* @vite-ignore */ `${pathToFileURL(file).href}?${CONFIG_QUERY}`);
}

async function installHooks(): Promise<void> {
  // This module is TypeScript itself unless it was bundled into dist/resync.mjs.
  if (!import.meta.url.endsWith('.ts')) {
    const tsx = await import('tsx/esm/api');
    tsx.register();
  }
  // Registered after tsx, so they run before it (hooks chain last-registered first).
  register(pathToFileURL(fromRoot('config', 'load-hooks.mjs')), {
    data: { packageName: PACKAGE_NAME, entryUrl: pathToFileURL(fromRoot('config', 'define.ts')).href },
  });
}

export function parseConfig(value: unknown, file = '<inline>'): Config {
  const result = configSchema.safeParse(value);
  if (!result.success) throw new ConfigError(file, formatIssues(result.error.issues));
  return result.data;
}

function formatIssues(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      return `${path === '(root)' ? '' : `${path}.`}${issue.keys.join(', ')}: unknown key${issue.keys.length > 1 ? 's' : ''}`;
    }
    return `${path}: ${issue.message}`;
  });
}

/** `mysql://u:p@host:port` + database → `mysql://u:p@host:port/database` (query kept). */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
