/**
 * Upserts a page: multi-row `INSERT … ON DUPLICATE KEY UPDATE` in batches sized by bytes, all in
 * one transaction. An update never replaces a row with an older ModificationTimestamp (a late,
 * out-of-order page must not roll a record back). Records with values that cannot be stored are
 * returned as rejects; every other record lands.
 */
import type { Pool, PoolConnection } from 'mysql2/promise';
import type { WriteReject, WriteResult } from '../destination';
import { toColumnValue, ValueRejected, ValueTooLong } from './columns';
import { quoteIdent } from './identifiers';
import { EXTRA_COLUMN, type TablePlan } from './schema';

type Row = (string | number | null)[];

/** MySQL errors that concern one row's data: isolate the row instead of failing the page. */
const ROW_DATA_ERRORS = new Set([
  'ER_DATA_TOO_LONG',
  'ER_TRUNCATED_WRONG_VALUE',
  'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD',
  'ER_WARN_DATA_OUT_OF_RANGE',
  'ER_TOO_BIG_ROWSIZE',
  'ER_WRONG_VALUE_FOR_TYPE',
  'WARN_DATA_TRUNCATED',
  'ER_DATETIME_FUNCTION_OVERFLOW',
  'ER_CONSTRAINT_FAILED',
  'ER_INVALID_JSON_TEXT',
]);

export interface PreparedRows {
  rows: Row[];
  keys: string[];
  records: Record<string, unknown>[];
  bytes: number[];
  rejects: WriteReject[];
  /**
   * Columns whose text was too long, with the most characters seen and a record that needed them,
   * counted only for records that had no other problem (widening would not save the others).
   */
  overflows: Map<string, { chars: number; key: string }>;
}

/** Converts records to rows in column order; a record with any unstorable value is rejected whole. */
export function prepareRows(plan: TablePlan, keyField: string, records: Record<string, unknown>[]): PreparedRows {
  const out: PreparedRows = { rows: [], keys: [], records: [], bytes: [], rejects: [], overflows: new Map() };
  for (const record of records) {
    const key = String(record[keyField]);
    const row: Row = [];
    let bytes = 16;
    let tooLong: { column: string; field: string; chars: number; reason: string }[] = [];
    let rejected: WriteReject | undefined;
    for (const col of plan.columns) {
      try {
        const v = toColumnValue(col, record[col.field]);
        bytes += v === null ? 4 : typeof v === 'string' ? v.length + 3 : 12;
        row.push(v);
      } catch (err) {
        if (!(err instanceof ValueRejected)) throw err;
        if (err instanceof ValueTooLong) {
          // Keep going: every column this record outgrows can then be widened at once.
          tooLong.push({ column: col.column, field: col.field, chars: err.chars, reason: err.message });
          continue;
        }
        rejected = { key, field: col.field, reason: err.message, record };
        tooLong = [];
        break;
      }
    }
    const first = tooLong[0];
    if (!rejected && first) rejected = { key, field: first.field, reason: first.reason, record };
    for (const t of tooLong) {
      const seen = out.overflows.get(t.column);
      if (!seen || seen.chars < t.chars) out.overflows.set(t.column, { chars: t.chars, key });
    }
    if (rejected) {
      out.rejects.push(rejected);
      continue;
    }
    const extra: Record<string, unknown> = {};
    let hasExtra = false;
    for (const name of Object.keys(record)) {
      if (!plan.byField.has(name) && !name.startsWith('@odata.')) {
        extra[name] = record[name];
        hasExtra = true;
      }
    }
    const extraJson = hasExtra ? JSON.stringify(extra) : null;
    row.push(extraJson);
    out.rows.push(row);
    out.keys.push(key);
    out.records.push(record);
    out.bytes.push(bytes + (extraJson?.length ?? 0));
  }
  return out;
}

export function upsertSql(plan: TablePlan): string {
  const cols = [...plan.columns.map((c) => c.column), EXTRA_COLUMN];
  const insert = `INSERT INTO ${quoteIdent(plan.table)} (${cols.map((c) => quoteIdent(c)).join(', ')}) VALUES ? ON DUPLICATE KEY UPDATE`;
  const others = cols.filter((c) => !plan.keyColumns.includes(c) && c !== plan.cursorColumn);
  if (!plan.cursorColumn) {
    // No timestamp to compare: the record sent last wins.
    return `${insert} ${others.map((c) => `${quoteIdent(c)} = VALUES(${quoteIdent(c)})`).join(', ')}`;
  }
  const ts = quoteIdent(plan.cursorColumn);
  // `>=` so that a re-sent record with the same timestamp still refreshes its row (idempotent).
  const newer = `(VALUES(${ts}) >= ${ts} OR ${ts} IS NULL)`;
  const updates = others.map((c) => `${quoteIdent(c)} = IF(${newer}, VALUES(${quoteIdent(c)}), ${quoteIdent(c)})`);
  // The cursor column goes last: assignments are evaluated left to right and see earlier ones.
  updates.push(`${ts} = IF(${newer}, VALUES(${ts}), ${ts})`);
  return `${insert} ${updates.join(', ')}`;
}

export async function writeRows(
  pool: Pool,
  plan: TablePlan,
  sql: string,
  prepared: PreparedRows,
  maxBatchBytes: number,
): Promise<WriteResult> {
  const rejects = [...prepared.rejects];
  let upserted = 0;
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    let start = 0;
    while (start < prepared.rows.length) {
      let end = start;
      let size = 0;
      while (end < prepared.rows.length && (end === start || size + prepared.bytes[end]! <= maxBatchBytes)) {
        size += prepared.bytes[end]!;
        end++;
      }
      upserted += await insertBatch(conn, sql, prepared, start, end, rejects);
      start = end;
    }
    await conn.commit();
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
  return { upserted, rejects };
}

async function insertBatch(
  conn: PoolConnection,
  sql: string,
  prepared: PreparedRows,
  start: number,
  end: number,
  rejects: WriteReject[],
): Promise<number> {
  try {
    await conn.query(sql, [prepared.rows.slice(start, end)]);
    return end - start;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (!code || !ROW_DATA_ERRORS.has(code)) throw err;
    if (end - start === 1) {
      rejects.push({
        key: prepared.keys[start]!,
        field: null,
        reason: `MySQL refused the row: ${(err as Error).message}`,
        record: prepared.records[start]!,
      });
      return 0;
    }
    // A failed statement is rolled back alone (the transaction goes on): split to find the bad rows.
    const mid = start + Math.ceil((end - start) / 2);
    return (await insertBatch(conn, sql, prepared, start, mid, rejects)) + (await insertBatch(conn, sql, prepared, mid, end, rejects));
  }
}
