/**
 * Helpers for integration tests: a config pointing at a test simulator and fresh databases on the
 * shared MariaDB, and a worker running in this process.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { inject } from 'vitest';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { parseConfig, withDatabase, type Config, type ConfigInput } from '../../config';
import type { PlatformName } from '../../activities/source/platforms';
import { fromRoot } from '../../scripts/lib/paths';
import { startWorker, type RunningWorker } from '../../worker/worker';
import { startSync } from '../../worker/commands/sync';

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export interface TestConfigOptions {
  simulatorUrl: string;
  source?: string;
  destinations?: string[];
  pageSize?: number;
  /** `expand` of the Property resource, e.g. [{ name: 'Media' }]. */
  expand?: NonNullable<ConfigInput['sources'][string]['resources'][number]['expand']>;
  /** Hooks given to every destination (makeTableName, makeFieldName, transform, keyMapping). Not serialisable: in-process workers only. */
  destinationHooks?: Pick<
    Extract<ConfigInput['destinations'][string], { type: 'mysql' }>,
    'makeTableName' | 'makeFieldName' | 'transform' | 'keyMapping'
  >;
  /** Whose rules the client follows (default generic). */
  platform?: PlatformName;
  /** How the client authenticates (default none). */
  auth?: ConfigInput['sources'][string]['auth'];
  /** MLS Grid: the required OriginatingSystemName. */
  originatingSystemName?: string;
  /** `$filter` of the Property resource. */
  filter?: string;
  /** Overrides of the platform's request budget. */
  rateLimits?: ConfigInput['sources'][string]['rateLimits'];
  /** Per-request timeout (default 60 s; fault tests want it short). */
  requestTimeoutMs?: number;
  /** Log level of the worker and source logs (default warn). */
  logLevel?: 'warn' | 'info' | 'debug';
}

/** A config (as a plain object, so it can also be written to a file) with fresh databases. */
export function testConfigInput(opts: TestConfigOptions) {
  const server = inject('mysqlServerUrl');
  const dbs = opts.destinations ?? [uniqueName('t_dest')];
  return {
    sources: {
      [opts.source ?? 'sim']: {
        platform: opts.platform ?? ('generic' as PlatformName),
        url: opts.simulatorUrl,
        ...(opts.auth ? { auth: opts.auth } : {}),
        ...(opts.originatingSystemName ? { originatingSystemName: opts.originatingSystemName } : {}),
        ...(opts.rateLimits ? { rateLimits: opts.rateLimits } : {}),
        ...(opts.requestTimeoutMs ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
        // Named even with one destination: with several the config requires it.
        destinations: dbs.map((_, i) => `d${i}`),
        resources: [
          {
            name: 'Property',
            ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
            ...(opts.expand ? { expand: opts.expand } : {}),
            ...(opts.filter ? { filter: opts.filter } : {}),
          },
        ],
      },
    },
    destinations: Object.fromEntries(
      dbs.map((db, i) => [`d${i}`, { type: 'mysql' as const, url: withDatabase(server, db), ...opts.destinationHooks }]),
    ),
    control: { url: withDatabase(server, uniqueName('t_control')) },
    temporal: { address: inject('temporalAddress'), taskQueue: uniqueName('tq') },
    logging: { level: opts.logLevel ?? ('warn' as const), dir: fromRoot('logs', 'test') },
  };
}

export function testConfig(opts: TestConfigOptions): Config {
  return parseConfig(testConfigInput(opts));
}

/** Writes the config as a module a child-process worker can load with --config. */
/** Writes a config input (as a test built it) to a module file a child process can load with --config. */
export function writeConfigFile(input: object): string {
  const dir = fromRoot('test-artifacts', 'configs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${uniqueName('config')}.mjs`);
  writeFileSync(file, `export default ${JSON.stringify(input, null, 2)};\n`);
  return file;
}

export async function withWorker<T>(config: Config, fn: (w: RunningWorker) => Promise<T>): Promise<T> {
  const worker = await startWorker(config, { console: false });
  try {
    return await fn(worker);
  } finally {
    await worker.shutdown();
  }
}

export async function temporalClient(config: Config): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporal.address });
  return new Client({ connection, namespace: config.temporal.namespace });
}

export async function query<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const u = new URL(url);
  const conn = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
    dateStrings: true,
    timezone: 'Z',
  });
  try {
    const [rows] = await conn.query(sql, params);
    return rows as T[];
  } finally {
    await conn.end();
  }
}

export async function dropDatabases(config: Config): Promise<void> {
  const urls = [config.control.url, ...Object.values(config.destinations).map((d) => d.url)];
  for (const url of urls) {
    const db = new URL(url).pathname.slice(1);
    await query(url.replace(/\/[^/]+$/, '/mysql'), `DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined);
  }
}

export interface SyncOutcome {
  result: Awaited<ReturnType<WorkflowHandle['result']>>;
  /** The workflow's event history, when asked for. */
  history?: unknown;
}

/** One sync of Property through Temporal, to its end. */
export async function runSync(config: Config, source: string, opts: { history?: boolean } = {}): Promise<SyncOutcome> {
  const client = await temporalClient(config);
  try {
    const handle = await startSync(client, config, source, 'Property');
    const result = await handle.result();
    return { result, ...(opts.history ? { history: await handle.fetchHistory() } : {}) };
  } finally {
    await client.connection.close();
  }
}
