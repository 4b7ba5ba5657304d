import mysql from 'mysql2/promise';

/** One statement on a server URL (no database needed), for benchmark setup. */
export async function query(serverUrl: string, sql: string): Promise<void> {
  const u = new URL(serverUrl);
  const conn = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
  });
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}
