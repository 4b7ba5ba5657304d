/**
 * PostgreSQL in integration tests: fresh databases on the server of the global setup, a config
 * whose source writes to PostgreSQL (first or only), and comparisons of what is stored with what
 * the MLS holds, typed column by typed column and `_raw` as a whole.
 */
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { expect, inject } from 'vitest';
import type { ChildModel, ResourceModel } from '../../activities/destinations';
import type { PostgresDestination } from '../../activities/destinations/postgres/destination';
import { quotePgIdent } from '../../activities/destinations/postgres/identifiers';
import { openPgPool } from '../../activities/destinations/postgres/pool';
import { pgRowForms } from '../../activities/destinations/postgres/record-forms';
import { PARENT_KEY_COLUMN, RAW_COLUMN, type PgTablePlan } from '../../activities/destinations/postgres/schema';
import { prepareRows } from '../../activities/destinations/postgres/writer';
import { navigationFields } from '../../activities/destinations/shape';
import { Runtime } from '../../activities/runtime';
import { withDatabase, type Config } from '../../config';
import { query, uniqueName } from './stack';

/** A URL of a database not made yet on the test server (the destination creates it). */
export function pgDatabaseUrl(prefix = 't_pg'): string {
  const url = new URL(inject('pgServerUrl'));
  url.pathname = `/${uniqueName(prefix)}`;
  return url.toString();
}

/** Rows of a query, values as the destination's own pool reads them (numerics and timestamps as text). */
export async function pgQuery<T extends Record<string, unknown> = Record<string, unknown>>(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const pool = await openPgPool(url, { createDatabase: false, max: 1 });
  try {
    return (await pool.query<T>(sql, values)).rows;
  } finally {
    await pool.end();
  }
}

/**
 * Drops the PostgreSQL databases and the MySQL ones (control, MySQL destinations) of a config;
 * each kind through its own client (a MySQL handshake against PostgreSQL would only hang).
 */
export async function dropTestDatabases(config: Config): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('pgServerUrl') });
  await admin.connect();
  try {
    for (const dest of Object.values(config.destinations)) {
      if (dest.type !== 'postgres') continue;
      const name = new URL(dest.url).pathname.slice(1);
      await admin.query(`DROP DATABASE IF EXISTS ${quotePgIdent(name)} WITH (FORCE)`).catch(() => undefined);
    }
  } finally {
    await admin.end();
  }
  const mysqlUrls = [config.control.url, ...Object.values(config.destinations).flatMap((d) => (d.type === 'mysql' ? [d.url] : []))];
  for (const url of mysqlUrls) {
    const db = new URL(url).pathname.slice(1);
    await query(withDatabase(inject('mysqlServerUrl'), 'mysql'), `DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined);
  }
}

export interface PgExpectation {
  keys(): string[];
  /** The record as it should be stored (after the destination's transform, if any). */
  record(key: string): Record<string, unknown> | undefined;
}

/** The runtime's PostgreSQL destination `name`, the resource model and the table plan, for a look. */
export async function openPg(config: Config, source: string, name: string) {
  const runtime = new Runtime(config, pino({ level: 'silent' }));
  const model = await runtime.resourceModel(source, 'Property');
  const dest = runtime.destinationsFor(source).find((d) => d.name === name) as PostgresDestination;
  return { runtime, model, dest, url: config.destinations[name]!.url, plan: await dest.tablePlan(model) };
}

/** JSON with sorted keys: jsonb does not keep the order of keys. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/**
 * The rows of a table against the records they should hold: the same keys, every typed column
 * as the writer converts the record, and `_raw` equal to the record (without navigation
 * properties and OData annotations). `keyOf` gives a record's stored key.
 */
export function expectPgRowsMatch(
  what: string,
  plan: PgTablePlan,
  keyField: string,
  rows: Record<string, unknown>[],
  records: Record<string, unknown>[],
  opts: { ignore?: (name: string) => boolean } = {},
): void {
  const keyColumn = plan.keyColumns[0]!;
  const byKey = new Map(rows.map((r) => [String(r[keyColumn]), r]));
  expect([...byKey.keys()].sort(), `${what}: keys`).toEqual(records.map((r) => String(r[keyField])).sort());
  for (const record of records) {
    const key = String(record[keyField]);
    const row = byKey.get(key)!;
    const prepared = prepareRows(plan, keyField, [record], opts.ignore ? { ignore: opts.ignore } : {});
    expect(prepared.rejects, `${what}: ${key} is storable`).toEqual([]);
    const wanted = pgRowForms(plan, prepared.docs[0]!);
    const stored = pgRowForms(plan, row);
    // expect() per field is slow at hundreds of fields a record; it only runs to report a difference.
    for (const [field, value] of Object.entries(wanted)) {
      if (!isDeepStrictEqual(stored[field], value) && canonical(stored[field]) !== canonical(value))
        expect(stored[field], `${what}: ${key}.${field}`).toEqual(value);
    }
    if (plan.parentKeyColumn) expect(String(row[plan.parentKeyColumn]), `${what}: ${key}'s parent`).toBe(String(record[PARENT_KEY_COLUMN]));
    const raw = Object.fromEntries(Object.entries(record).filter(([name]) => !name.startsWith('@odata.') && !opts.ignore?.(name)));
    if (canonical(row[RAW_COLUMN]) !== canonical(raw)) expect(row[RAW_COLUMN], `${what}: ${key}._raw`).toEqual(raw);
  }
}

/** The resource's table against the MLS (or what the transform makes of it). */
export async function expectPgMatches(config: Config, source: string, name: string, mls: PgExpectation): Promise<void> {
  const { runtime, model, url, plan } = await openPg(config, source, name);
  try {
    const rows = await pgQuery(url, `SELECT * FROM ${quotePgIdent(plan.table)}`);
    const records = mls.keys().map((k) => mls.record(k)!);
    expectPgRowsMatch(`${name}.${plan.table}`, plan, model.keyField, rows, records, { ignore: navigationFields(model) });
  } finally {
    await runtime.close();
  }
}

/** The child table of an expanded navigation against the children it should hold, each under its parent's key. */
export async function expectPgChildrenMatch(
  config: Config,
  source: string,
  name: string,
  navigation: string,
  children: { parentKey: string; record: Record<string, unknown> }[],
): Promise<void> {
  const { runtime, model, dest, url } = await openPg(config, source, name);
  try {
    const child: ChildModel = model.children!.find((c) => c.navigation === navigation)!;
    const plan = await dest.tablePlan(model as ResourceModel, navigation);
    const rows = await pgQuery(url, `SELECT * FROM ${quotePgIdent(plan.table)}`);
    const records = children.map((c) => ({ ...c.record, [PARENT_KEY_COLUMN]: c.parentKey }));
    expectPgRowsMatch(`${name}.${plan.table}`, plan, child.keyField, rows, records, { ignore: (f) => f === PARENT_KEY_COLUMN });
  } finally {
    await runtime.close();
  }
}
