/**
 * `resync record` for PostgreSQL: the MLS record as the writer would store it and the stored row,
 * field by field, each value in one comparable form per column kind (the server's text of a
 * numeric or timestamp and the writer's text of it differ only in trailing zeros). Fields kept in
 * `_raw` alone are compared as JSON.
 */
import { canonicalTimestamp } from '../../common/timestamps';
import type { PgColumnPlan } from './columns';
import { PARENT_KEY_COLUMN, RAW_COLUMN, type PgTablePlan } from './schema';
import { pgTimestampToIso } from './values';

/** A decimal's text without the zeros that do not change its value (`12.50` → `12.5`, `-0` → `0`). */
function decimalText(text: string): string {
  if (/[eE]/.test(text)) return String(Number(text));
  let [whole = '', fraction = ''] = text.replace(/^\+/, '').split('.');
  const negative = whole.startsWith('-');
  whole = whole.replace(/^-/, '').replace(/^0+(?=\d)/, '') || '0';
  fraction = fraction.replace(/0+$/, '');
  const value = fraction ? `${whole}.${fraction}` : whole;
  return negative && value !== '0' ? `-${value}` : value;
}

/** `HH:MM[:SS[.f]]` → `HH:MM:SS[.f]` without trailing zeros. */
function timeText(text: string): string {
  const full = /^\d\d:\d\d$/.test(text) ? `${text}:00` : text;
  return full.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** One comparable form of a column's value, whether it comes from the writer's cell or the server. */
export function comparablePgValue(column: PgColumnPlan, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (column.kind) {
    case 'int':
      return String(value);
    case 'numeric':
      return decimalText(String(value));
    case 'double':
      return Number(value);
    case 'bool':
      return value === true || value === 't' || value === 'true';
    case 'timestamptz': {
      const text = String(value);
      return canonicalTimestamp(/ /.test(text) ? pgTimestampToIso(text) : text) ?? text;
    }
    case 'time':
      return timeText(String(value));
    case 'uuid':
      return String(value).toLowerCase();
    case 'jsonb':
      return value;
    default:
      return String(value);
  }
}

/**
 * Field → comparable value of a row of the table (a row as `SELECT *` gives it, or the writer's
 * row document): typed columns by their kind, the fields kept in `_raw` alone as JSON.
 */
export function pgRowForms(plan: PgTablePlan, row: Record<string, unknown>): Record<string, unknown> {
  const raw = (row[RAW_COLUMN] ?? {}) as Record<string, unknown>;
  const forms: Record<string, unknown> = {};
  for (const column of plan.columns) {
    if (column.column !== PARENT_KEY_COLUMN) forms[column.field] = comparablePgValue(column, row[column.column]);
  }
  for (const { field } of plan.spilled) forms[field] = raw[field] ?? null;
  return forms;
}

/** Field → the column holding it (`_raw` for the fields kept there alone). */
export function pgFieldColumns(plan: PgTablePlan): Record<string, string> {
  return Object.fromEntries([
    ...plan.columns.filter((c) => c.column !== PARENT_KEY_COLUMN).map((c) => [c.field, c.column]),
    ...plan.spilled.map((s) => [s.field, RAW_COLUMN]),
  ]);
}
