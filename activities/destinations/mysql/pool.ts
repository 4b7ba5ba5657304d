/**
 * mysql2 pools, one per URL. The database named in the URL is created on first use (a fresh
 * destination should just work). Sessions run in UTC and DATETIMEs come back as strings, so no
 * value is shifted by the process time zone or cut to JavaScript's milliseconds.
 */
import mysql, { type Pool, type PoolOptions } from 'mysql2/promise';

export function poolOptions(url: string, extra: Partial<PoolOptions> = {}): PoolOptions & { database: string } {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database,
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    charset: 'utf8mb4_unicode_ci',
    connectionLimit: 4,
    multipleStatements: false,
    ...extra,
  };
}

export async function ensureDatabase(url: string): Promise<void> {
  const { database, ...opts } = poolOptions(url);
  const conn = await mysql.createConnection({ ...opts, connectionLimit: undefined } as mysql.ConnectionOptions);
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, '``')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
}

/** Whether the database named in the URL exists; creates nothing (for dry runs). */
export async function databaseExists(url: string): Promise<boolean> {
  const { database, ...opts } = poolOptions(url);
  const conn = await mysql.createConnection({ ...opts, connectionLimit: undefined } as mysql.ConnectionOptions);
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database]);
    return rows.length > 0;
  } finally {
    await conn.end();
  }
}

export async function openPool(url: string, extra: Partial<PoolOptions> = {}, opts: { createDatabase?: boolean } = {}): Promise<Pool> {
  if (opts.createDatabase !== false) await ensureDatabase(url);
  const pool = mysql.createPool(poolOptions(url, extra));
  pool.on('connection', (conn) => {
    // Callback API on the raw connection: the promise wrapper is not available in this hook.
    conn.query("SET time_zone = '+00:00'");
  });
  return pool;
}

/** A URL without credentials, safe for logs and error messages. */
export function describeUrl(url: string): string {
  const u = new URL(url);
  return `mysql://${u.hostname}:${u.port || 3306}${u.pathname}`;
}
