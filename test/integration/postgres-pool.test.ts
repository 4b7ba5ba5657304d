/**
 * The PostgreSQL destination's connection layer against the real server from setup: the database
 * is created on first use (also by two workers at once), sessions run in UTC, values come back
 * without loss, and shortened identifiers are what the server really stores.
 */
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { pgIdentifier, quotePgIdent } from '../../activities/destinations/postgres/identifiers';
import {
  databaseExists,
  describePgUrl,
  ensureDatabase,
  openPgPool,
  pgTarget,
  PgUrlInvalid,
} from '../../activities/destinations/postgres/pool';
import { uniqueName } from '../support/stack';

const databases: string[] = [];
const pools: pg.Pool[] = [];

function freshDatabaseUrl(): string {
  const name = uniqueName('t_pgpool');
  databases.push(name);
  const url = new URL(inject('pgServerUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}

async function open(url: string): Promise<pg.Pool> {
  const pool = await openPgPool(url);
  pools.push(pool);
  return pool;
}

afterAll(async () => {
  for (const pool of pools) await pool.end();
  const admin = new pg.Client({ connectionString: inject('pgServerUrl') });
  await admin.connect();
  try {
    for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${quotePgIdent(name)}`);
  } finally {
    await admin.end();
  }
});

describe('PostgreSQL pool', () => {
  it('creates the database named in the URL on first use, once, even when two workers race', async () => {
    const url = freshDatabaseUrl();
    expect(await databaseExists(url)).toBe(false);
    await Promise.all([ensureDatabase(url), ensureDatabase(url), ensureDatabase(url)]);
    expect(await databaseExists(url)).toBe(true);
    const pool = await open(url);
    const { rows } = await pool.query<{ db: string; encoding: string }>(
      'SELECT current_database() AS db, pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = current_database()',
    );
    expect(rows).toEqual([{ db: pgTarget(url).database, encoding: 'UTF8' }]);
  });

  it('runs sessions in UTC and returns timestamps, 64-bit integers and numerics without loss', async () => {
    const previousTz = process.env.TZ;
    process.env.TZ = 'America/Los_Angeles';
    try {
      // A database whose own default zone is not UTC: only the pool's session setting can make it UTC.
      const url = freshDatabaseUrl();
      await ensureDatabase(url);
      const admin = new pg.Client({ connectionString: inject('pgServerUrl') });
      await admin.connect();
      await admin
        .query(`ALTER DATABASE ${quotePgIdent(pgTarget(url).database)} SET timezone = 'America/New_York'`)
        .finally(() => admin.end());
      const pool = await open(url);
      const { rows } = await pool.query<Record<string, unknown>>(
        `SELECT current_setting('TimeZone') AS tz,
                '2026-01-02T03:04:05.123456Z'::timestamptz AS ts,
                '2026-01-02'::date AS d,
                9007199254740993::int8 AS big,
                12345678901234567890.123456789::numeric AS num,
                42::int4 AS small, true AS flag, '{"a":1}'::jsonb AS doc`,
      );
      expect(rows[0]).toEqual({
        tz: 'UTC',
        ts: '2026-01-02 03:04:05.123456+00',
        d: '2026-01-02',
        big: '9007199254740993',
        num: '12345678901234567890.123456789',
        small: 42,
        flag: true,
        doc: { a: 1 },
      });
    } finally {
      if (previousTz === undefined) delete process.env.TZ;
      else process.env.TZ = previousTz;
    }
  });

  it('stores a shortened identifier exactly, where PostgreSQL would silently cut the full name', async () => {
    const pool = await open(freshDatabaseUrl());
    const common = 'AssociationFeeIncludesAndOtherRatherLongDataDictionaryNamesHere';
    const [first, second] = [`${common}First`, `${common}Second`];
    // Unshortened, both names are cut to the same 63 bytes and the table cannot be made.
    await expect(pool.query(`CREATE TABLE t_cut ("${first}" text, "${second}" text)`)).rejects.toThrow(/specified more than once/);
    await pool.query(`CREATE TABLE t_ok (${quotePgIdent(pgIdentifier(first))} text, ${quotePgIdent(pgIdentifier(second))} text)`);
    const { rows } = await pool.query<{ name: string }>(
      "SELECT attname AS name FROM pg_attribute WHERE attrelid = 't_ok'::regclass AND attnum > 0 ORDER BY attnum",
    );
    expect(rows.map((row) => row.name)).toEqual([pgIdentifier(first), pgIdentifier(second)]);
  });

  it('refuses URLs that are not postgres:// and never prints credentials', () => {
    expect(() => pgTarget('mysql://root@127.0.0.1:3306/x')).toThrow(PgUrlInvalid);
    expect(describePgUrl('postgres://user:secret@db.example.com/mls')).toBe('postgres://db.example.com:5432/mls');
    expect(pgTarget('postgres://u@h:5433').database).toBe('postgres');
  });
});
