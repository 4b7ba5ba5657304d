/**
 * Compares the MySQL destination tables with the simulator, key for key and field for field, using the
 * same column plan the writer used (so a value is compared in the form the column stores).
 */
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';
import type { Config } from '../../config';
import { Runtime } from '../../activities/runtime';
import { type MysqlDestination } from '../../activities/destinations/mysql';
import type { TablePlan } from '../../activities/destinations/mysql/schema';
import { toColumnValue, type ColumnPlan } from '../../activities/destinations/mysql/columns';
import pino from 'pino';
import { query } from './stack';

export interface RecordSource {
  keys(): string[];
  record(key: string): Record<string, unknown> | undefined;
}

export async function expectDestinationsMatch(config: Config, source: string, resource: string, mls: RecordSource): Promise<void> {
  const runtime = new Runtime(config, pino({ level: 'silent' }));
  try {
    const model = await runtime.resourceModel(source, resource);
    for (const dest of runtime.destinationsFor(source)) {
      // PostgreSQL and Solr have comparisons of their own (pg-stack.ts, solr-docs.ts).
      if (config.destinations[dest.name]?.type !== 'mysql') continue;
      const plan = (dest as MysqlDestination).tablePlan(model);
      const rows = await query(config.destinations[dest.name]!.url, `SELECT * FROM \`${plan.table}\``);
      const byKey = new Map(rows.map((r) => [String(r[plan.keyColumns[0]!]), r]));
      const keys = mls.keys();
      expect([...byKey.keys()].sort(), `${dest.name}: keys`).toEqual([...keys].sort());
      for (const key of keys) {
        const record = mls.record(key)!;
        const row = byKey.get(key)!;
        for (const col of plan.columns) {
          const expected = normalize(col, toColumnValue(col, record[col.field]));
          const actual = normalize(col, row[col.column]);
          // expect() per field is slow at ~650 fields a record; it only runs to report a difference.
          if (!isDeepStrictEqual(actual, expected)) expect(actual, `${dest.name}: ${key}.${col.field}`).toEqual(expected);
        }
      }
    }
  } finally {
    await runtime.close();
  }
}

/**
 * Rows of a table (as SELECT * returned them) against the records they should hold, column by
 * column of the plan. `storedKey` gives the value of a record's key column in the table.
 */
export function expectRowsMatch(
  what: string,
  plan: TablePlan,
  rows: Record<string, unknown>[],
  records: Record<string, unknown>[],
  storedKey: (record: Record<string, unknown>) => string,
): void {
  const keyColumn = plan.keyColumns[0]!;
  const byKey = new Map(rows.map((r) => [String(r[keyColumn]), r]));
  expect([...byKey.keys()].sort(), `${what}: keys`).toEqual(records.map(storedKey).sort());
  for (const record of records) {
    const key = storedKey(record);
    const row = byKey.get(key)!;
    for (const col of plan.columns) {
      const expected = col.column === keyColumn ? key : toColumnValue(col, record[col.field]);
      expect(normalize(col, row[col.column]), `${what}: ${key}.${col.field}`).toEqual(normalize(col, expected));
    }
  }
}

function normalize(col: ColumnPlan, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (col.kind) {
    case 'decimal':
    case 'double':
    case 'bool':
    case 'int':
      return Number(value);
    case 'json':
      return typeof value === 'string' ? JSON.parse(value) : value;
    default:
      return String(value);
  }
}
