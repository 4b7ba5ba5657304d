import mysql from 'mysql2/promise';
import { resolve } from 'node:path';
import { readPidFile } from '../lib/proc';

/** One statement on a server URL (no database needed), for benchmark setup; its rows, if any. */
export async function query(serverUrl: string, sql: string): Promise<unknown> {
  const u = new URL(serverUrl);
  const conn = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
  });
  try {
    const [rows] = await conn.query(sql);
    return rows;
  } finally {
    await conn.end();
  }
}

/**
 * The server's process id, read from the pid file it names, when that file is on this machine
 * (undefined for a server elsewhere, or one without a readable pid file).
 */
export async function serverPid(serverUrl: string): Promise<number | undefined> {
  const rows = (await query(serverUrl, 'SELECT @@pid_file AS file, @@datadir AS dir')) as { file?: unknown; dir?: unknown }[];
  const { file, dir } = rows[0] ?? {};
  if (typeof file !== 'string' || file === '') return undefined;
  // A relative pid file is in the data directory.
  return readPidFile(resolve(typeof dir === 'string' ? dir : '.', file));
}
