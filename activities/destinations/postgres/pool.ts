/**
 * `pg` pools for the PostgreSQL destination, one per URL. The database named in the URL is
 * created on first use (a fresh destination should just work, as with MySQL). Sessions run in
 * UTC, and timestamps, dates, 64-bit integers and numerics come back as the server's text, so no
 * value is shifted by the process time zone, cut to JavaScript's milliseconds or rounded to a double.
 */
import type pg from 'pg';
import { quotePgIdent } from './identifiers';

/** OIDs of the types whose JavaScript conversion would lose something. */
const TEXT_RESULT_TYPES = new Set<number>([
  20, // int8: beyond 2^53 a number is rounded
  1700, // numeric: arbitrary precision
  1082, // date: a Date would be midnight in the process time zone
  1114, // timestamp: microseconds, and no zone
  1184, // timestamptz: microseconds
  1083, // time
  1266, // timetz
]);

/** pg, loaded on first use: a worker without a PostgreSQL destination never pays for it. */
async function loadPg(): Promise<typeof pg> {
  return (await import('pg')).default;
}

/** pg's type parsers, except that the types above stay text. */
function lossless(pgm: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      TEXT_RESULT_TYPES.has(oid) ? (value: string) => value : pgm.types.getTypeParser(oid, format),
  };
}

export class PgUrlInvalid extends Error {
  override readonly name = 'PgUrlInvalid';
}

export interface PgTarget {
  /** The URL with its database replaced by the maintenance database `postgres` (to create the target). */
  maintenanceUrl: string;
  database: string;
}

/** Parses a `postgres://` / `postgresql://` URL; the database defaults to `postgres`, as libpq's does not. */
export function pgTarget(url: string): PgTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PgUrlInvalid(`not a URL: ${JSON.stringify(describePgUrl(url))}; expected postgres://user:pass@host:5432/database`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new PgUrlInvalid(`${describePgUrl(url)}: expected a postgres:// URL, got ${parsed.protocol}//`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres';
  const maintenance = new URL(parsed.toString());
  maintenance.pathname = '/postgres';
  return { maintenanceUrl: maintenance.toString(), database };
}

/** A URL without credentials or query, safe for logs and error messages. */
export function describePgUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** A schema name the config accepts: plain lower-case, so it needs no quoting in `search_path`. */
const PLAIN_SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

function clientConfig(pgm: typeof pg, url: string, schema?: string): pg.ClientConfig {
  if (schema !== undefined && !PLAIN_SCHEMA.test(schema))
    throw new PgUrlInvalid(`not a plain lower-case schema name: ${JSON.stringify(schema)}`);
  // `options` is sent at connection start, so the first statement already runs in UTC (and in
  // the schema: every table name resync uses is unqualified and resolved through search_path).
  const options = `-c TimeZone=UTC${schema ? ` -c search_path=${schema}` : ''}`;
  return { connectionString: url, options, types: lossless(pgm), connectionTimeoutMillis: 30_000 };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const pgm = await loadPg();
  const client = new pgm.Client(clientConfig(pgm, url));
  client.on('error', () => undefined); // reported by the failing query instead
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Whether the database named in the URL exists; creates nothing (for dry runs). */
export async function databaseExists(url: string): Promise<boolean> {
  const { maintenanceUrl, database } = pgTarget(url);
  return withClient(maintenanceUrl, async (client) => {
    const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    return (result.rowCount ?? 0) > 0;
  });
}

/** SQLSTATE of CREATE DATABASE losing a race with another worker creating the same database. */
const DUPLICATE_DATABASE = '42P04';
/** …or of two concurrent CREATE DATABASE on one name meeting in the catalog's unique index. */
const UNIQUE_VIOLATION = '23505';

/** Creates the database named in the URL unless it exists (UTF-8, template0, so any server default is fine). */
export async function ensureDatabase(url: string): Promise<void> {
  if (await databaseExists(url)) return;
  const { maintenanceUrl, database } = pgTarget(url);
  await withClient(maintenanceUrl, async (client) => {
    try {
      // CREATE DATABASE takes no parameters and has no IF NOT EXISTS.
      await client.query(`CREATE DATABASE ${quotePgIdent(database, 'database name')} ENCODING 'UTF8' TEMPLATE template0`);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== DUPLICATE_DATABASE && code !== UNIQUE_VIOLATION) throw error;
    }
  });
}

/** SQLSTATE of CREATE SCHEMA IF NOT EXISTS racing another session creating the same schema. */
const DUPLICATE_SCHEMA = '42P06';

/** Creates the schema in the URL's database unless it exists. */
export async function ensureSchemaExists(url: string, schema: string): Promise<void> {
  await withClient(url, async (client) => {
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quotePgIdent(schema, 'schema name')}`);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== DUPLICATE_SCHEMA && code !== UNIQUE_VIOLATION) throw error;
    }
  });
}

export interface OpenPgPoolOptions {
  /** Create the database named in the URL when missing. Default true. */
  createDatabase?: boolean;
  /** The schema (namespace) tables are made and found in, instead of the server's search_path; see ensureSchemaExists. */
  schema?: string | undefined;
  /** Connections at most. Default 4, as for MySQL. */
  max?: number;
}

/**
 * A pool on the URL's database, in UTC with lossless results. An idle connection the server
 * drops (restart, idle timeout) is discarded by the pool instead of crashing the worker.
 */
export async function openPgPool(url: string, options: OpenPgPoolOptions = {}): Promise<pg.Pool> {
  if (options.createDatabase !== false) await ensureDatabase(url);
  const pgm = await loadPg();
  const pool = new pgm.Pool({ ...clientConfig(pgm, url, options.schema), max: options.max ?? 4 });
  pool.on('error', () => undefined);
  return pool;
}
