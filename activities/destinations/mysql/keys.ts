/**
 * Key-only reads for purge and reconcile: a table's keys in primary-key order with their cursor
 * value, a page at a time (keyset on the key, so each page is an index range read and memory
 * stays flat), and which of a list of keys a delete would still find.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { parseInstant, toMysqlDatetime } from '../../common/timestamps';
import type { StoredKey } from '../destination';
import { quoteIdent } from './identifiers';
import type { TablePlan } from './schema';

function keyColumn(plan: TablePlan): string {
  if (plan.keyColumns.length !== 1)
    throw new Error(`${plan.table}: purge and reconcile need a single-column key, not ${plan.keyColumns.join(', ')}`);
  return quoteIdent(plan.keyColumns[0]!);
}

/** Keys after `after` in index order (byte order for a utf8mb4_bin key), with the stored cursor text. */
export async function readKeyPage(pool: Pool, plan: TablePlan, after: string | null, limit: number): Promise<StoredKey[]> {
  const key = keyColumn(plan);
  const cursor = plan.cursorColumn ? quoteIdent(plan.cursorColumn) : 'NULL';
  const [rows] = await pool.query<RowDataPacket[]>({
    sql: `SELECT ${key} AS k, ${cursor} AS c FROM ${quoteIdent(plan.table)}${after === null ? '' : ` WHERE ${key} > ?`} ORDER BY ${key} LIMIT ?`,
    values: after === null ? [limit] : [after, limit],
    // Positional rows: half the objects of a keyed row, on pages of thousands.
    rowsAsArray: true,
  });
  return (rows as unknown as [unknown, unknown][]).map(([k, c]) => ({ key: String(k), cursor: c === null ? null : String(c) }));
}

/**
 * The keys of the list that are stored with a cursor at or before `notAfter` (or none): the rows a
 * purge may still delete. A row written after the purge's key download began is left alone.
 */
export async function keysNotAfter(pool: Pool, plan: TablePlan, keys: string[], notAfter: string): Promise<string[]> {
  if (keys.length === 0) return [];
  const key = keyColumn(plan);
  const instant = parseInstant(notAfter);
  if (!instant) throw new Error(`not a timestamp: ${notAfter}`);
  const cursorCondition = plan.cursorColumn
    ? ` AND (${quoteIdent(plan.cursorColumn)} IS NULL OR ${quoteIdent(plan.cursorColumn)} <= ?)`
    : '';
  const [rows] = await pool.query<RowDataPacket[]>({
    sql: `SELECT ${key} AS k FROM ${quoteIdent(plan.table)} WHERE ${key} IN (?)${cursorCondition}`,
    values: plan.cursorColumn ? [keys, toMysqlDatetime(instant, 6)] : [keys],
    rowsAsArray: true,
  });
  return (rows as unknown as [unknown][]).map(([k]) => String(k));
}
