// `temporal-dev.yaml` → validated config → `temporal server start-dev` argv. Kept pure
// (no processes, no network) so the mapping is unit-tested and reusable by anything that
// wants to print or log the exact command line.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { fromRoot } from './paths';

/** Search attribute types as the CLI and server spell them. */
export const SEARCH_ATTRIBUTE_TYPES = ['Text', 'Keyword', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList'] as const;
export type SearchAttributeTypeName = (typeof SEARCH_ATTRIBUTE_TYPES)[number];

const durationUnits: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };

/**
 * Parses a Go-style duration (`720h`, `1h30m`, `90s`) — the syntax the Temporal CLI uses —
 * plus `d` for days. Returns whole seconds, or undefined when the text is not a duration.
 */
export function parseDurationSeconds(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?[dhms])+$/.test(text)) return undefined;
  let seconds = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)([dhms])/g)) {
    seconds += Number(match[1]) * (durationUnits[match[2] ?? 's'] ?? 1);
  }
  return Math.round(seconds);
}

const port = z.number().int().min(1).max(65535);
// Search attribute and pragma names become `KEY=VALUE` CLI arguments: identifiers only.
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier (letters, digits, _)');

export const temporalDevConfigSchema = z
  .object({
    /** Address the frontend (and by default the UI) binds to. */
    ip: z.string().min(1).default('127.0.0.1'),
    /** Frontend gRPC port: what workers and clients connect to. */
    port: port.default(7233),
    /** Serve the Web UI; false → `--headless`. */
    ui: z.boolean().default(true),
    uiPort: port.default(8233),
    /** SQLite file (relative paths are relative to the YAML file); null → in-memory, lost on exit. */
    dbFilename: z.string().min(1).nullable().default('.data/temporal/temporal.db'),
    /** `--sqlite-pragma` values; only used with a dbFilename. */
    sqlitePragmas: z.record(identifier, z.union([z.string(), z.number()])).default({}),
    namespace: z.string().min(1).default('default'),
    /** How long closed workflow histories are kept (Go duration, or `Nd`). */
    retention: z
      .string()
      .refine((v) => (parseDurationSeconds(v) ?? 0) > 0, 'must be a duration such as 720h or 30d')
      .default('720h'),
    logLevel: z.enum(['debug', 'info', 'warn', 'error', 'never']).default('warn'),
    searchAttributes: z.record(identifier, z.enum(SEARCH_ATTRIBUTE_TYPES)).default({}),
    /** `--dynamic-config-value KEY=<JSON>`; keys are server dynamic-config names. */
    dynamicConfig: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_.]*$/, 'must be a dynamic config key'), z.json()).default({}),
  })
  // Unknown keys are almost always typos (`uiport`); reject them instead of ignoring.
  .strict();

export type TemporalDevConfig = z.output<typeof temporalDevConfigSchema>;

/** The default config file at the repo root. */
export const defaultTemporalDevConfigPath = fromRoot('temporal-dev.yaml');

/** Thrown for an unreadable, unparseable or invalid config; the message names file and key. */
export class TemporalDevConfigError extends Error {
  override name = 'TemporalDevConfigError';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${at ? `${at}.` : ''}${key}: unknown key`).join('\n');
  }
  return `${at || '(top level)'}: ${issue.message}`;
}

export interface ParseTemporalDevConfigOptions {
  /** Shown in error messages; usually the file path. */
  source?: string;
  /** Relative dbFilename values are resolved against this folder. */
  baseDir?: string;
}

/** Validates YAML text; relative `dbFilename` becomes absolute (against `baseDir`). */
export function parseTemporalDevConfig(text: string, options: ParseTemporalDevConfigOptions = {}): TemporalDevConfig {
  const source = options.source ?? 'temporal-dev.yaml';
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new TemporalDevConfigError(`${source}: invalid YAML: ${(error as Error).message}`);
  }
  const result = temporalDevConfigSchema.safeParse(raw);
  if (!result.success) {
    const details = result.error.issues.map(describeIssue).join('\n  ');
    throw new TemporalDevConfigError(`${source}: invalid Temporal dev server config:\n  ${details}`);
  }
  const config = result.data;
  if (config.dbFilename && !isAbsolute(config.dbFilename)) {
    config.dbFilename = resolve(options.baseDir ?? process.cwd(), config.dbFilename);
  }
  return config;
}

/** Reads and validates `temporal-dev.yaml` (default: the one at the repo root). */
export async function loadTemporalDevConfig(path: string = defaultTemporalDevConfigPath): Promise<TemporalDevConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TemporalDevConfigError(`${path}: cannot read Temporal dev server config: ${(error as Error).message}`);
  }
  return parseTemporalDevConfig(text, { source: path, baseDir: dirname(resolve(path)) });
}

/** `temporal server start-dev …` arguments (without the executable) for a config. */
export function toStartDevArgs(config: TemporalDevConfig): string[] {
  const args = ['server', 'start-dev', '--ip', config.ip, '--port', String(config.port)];
  args.push(...(config.ui ? ['--ui-port', String(config.uiPort)] : ['--headless']));
  if (config.dbFilename) {
    args.push('--db-filename', config.dbFilename);
    for (const [pragma, value] of Object.entries(config.sqlitePragmas)) {
      args.push('--sqlite-pragma', `${pragma}=${value}`);
    }
  }
  // `default` always exists; naming it anyway is accepted and keeps the mapping uniform.
  args.push('--namespace', config.namespace, '--log-level', config.logLevel);
  for (const [name, type] of Object.entries(config.searchAttributes)) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  for (const [key, value] of Object.entries(config.dynamicConfig)) {
    // The CLI parses each value as JSON, so strings must arrive quoted.
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  return args;
}

/** Host to dial for a bind address: a wildcard bind is reached through loopback. */
export function dialHost(ip: string): string {
  if (ip === '0.0.0.0') return '127.0.0.1';
  if (ip === '::' || ip === '[::]') return '[::1]';
  return ip.includes(':') && !ip.startsWith('[') ? `[${ip}]` : ip;
}

/** `host:port` of the frontend, as clients and `--address` expect it. */
export function frontendAddress(config: Pick<TemporalDevConfig, 'ip' | 'port'>): string {
  return `${dialHost(config.ip)}:${config.port}`;
}

/** Web UI URL, or undefined when the UI is disabled. */
export function uiUrl(config: Pick<TemporalDevConfig, 'ip' | 'ui' | 'uiPort'>): string | undefined {
  return config.ui ? `http://${dialHost(config.ip)}:${config.uiPort}` : undefined;
}
