/**
 * Finds, imports and validates the config file. `--config` wins, then $RESYNC_CONFIG, then the
 * demo config that points at the local simulator and database.
 */
import { existsSync, readFileSync } from 'node:fs';
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
  const text = readText(file);
  // TypeScript support costs the process ~35 MB for good: a plain JavaScript config goes without.
  const typeScript = needsTypeScript(file, text);
  if (typeScript || needsModuleHooks(file, text)) {
    hooksInstalled ??= installHooks(typeScript);
    await hooksInstalled;
  }
  if (typeScript) await loadTypeScript();
  return import(/* @vite-ignore */ `${pathToFileURL(file).href}?${CONFIG_QUERY}`);
}

/** The file's text; undefined when it cannot be read (the import then reports it in its own words). */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const PLAIN_JAVASCRIPT = /\.(?:mjs|cjs|js)$/;
/** A static import's specifier (`from 'x'`, `import 'x'`). */
const STATIC_IMPORT = /(?:\bfrom|\bimport)\s*['"]([^'"]*)['"]/g;
/** A file of the config's own (`./x`, `../x`). */
const RELATIVE = /^\.{1,2}\//;
const JAVASCRIPT_OR_JSON = /\.(?:mjs|cjs|js|json)$/;
const DYNAMIC_IMPORT = /\bimport\s*\(/;

/** The specifiers of the file's static imports, in order. */
function staticImports(text: string): string[] {
  return [...text.matchAll(STATIC_IMPORT)].map((m) => m[1]!);
}

/**
 * Whether the config needs TypeScript support: it is TypeScript, or it imports a file of its own
 * that is (or one named without an extension, which only tsx resolves). A JavaScript config that
 * reaches TypeScript only through another JavaScript file is not seen: name that file `.ts`.
 */
function needsTypeScript(file: string, text: string | undefined): boolean {
  if (!PLAIN_JAVASCRIPT.test(file)) return true;
  return staticImports(text ?? '').some((specifier) => RELATIVE.test(specifier) && !JAVASCRIPT_OR_JSON.test(specifier));
}

/**
 * Whether the config needs the module hooks (config/load-hooks.mjs). Node runs them on a thread of
 * its own, which takes a command about 70 ms to start and every later import a round trip to it: a
 * `.mjs` file (an ES module wherever it is) that imports nothing but Node's own modules, such as a
 * generated `export default {…}`, loads without them. Anything else, or anything unsure (a dynamic
 * import, a specifier the pattern misreads), gets them.
 */
export function needsModuleHooks(file: string, text: string | undefined): boolean {
  if (!file.endsWith('.mjs') || text === undefined || DYNAMIC_IMPORT.test(text)) return true;
  return staticImports(text).some((specifier) => !specifier.startsWith('node:'));
}

/** This module is TypeScript itself (tsx is loaded) unless it was bundled into dist/resync.mjs. */
let typeScriptLoaded = import.meta.url.endsWith('.ts');

async function loadTypeScript(): Promise<void> {
  if (typeScriptLoaded) return;
  typeScriptLoaded = true;
  const tsx = await import('tsx/esm/api');
  tsx.register();
}

async function installHooks(typeScript: boolean): Promise<void> {
  if (typeScript) await loadTypeScript();
  // Registered after tsx, so they run before it (hooks chain last-registered first). Built, the
  // package name resolves to the JavaScript build of config/define.ts (scripts/build.ts).
  const entry = import.meta.url.endsWith('.ts') ? fromRoot('config', 'define.ts') : definedEntry();
  register(pathToFileURL(fromRoot('config', 'load-hooks.mjs')), {
    data: { packageName: PACKAGE_NAME, entryUrl: pathToFileURL(entry).href },
  });
}

/** dist/define.mjs next to the built CLI; config/define.ts (with tsx) if it is missing. */
function definedEntry(): string {
  const built = fromRoot('dist', 'define.mjs');
  return existsSync(built) ? built : fromRoot('config', 'define.ts');
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
