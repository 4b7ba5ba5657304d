/**
 * `resync record` for MySQL: the MLS record and the stored row, each put in one comparable form
 * per column kind (the writer's column conversion first, for the MLS side), so only real
 * differences show — not a DECIMAL's trailing zeros or a timestamp's seventh digit.
 */
import { toColumnValue, type ColumnPlan } from './columns';
import type { TablePlan } from './schema';

/** The value the writer would store in the column, comparable; `{ rejected }` when the column cannot hold it. */
export function wantedForm(column: ColumnPlan, value: unknown): unknown {
  try {
    return comparableForm(column, toColumnValue(column, value));
  } catch (err) {
    return { rejected: (err as Error).message };
  }
}

/** One comparable form per column kind: numbers as numbers, JSON parsed, the rest as text. */
export function comparableForm(column: ColumnPlan, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (column.kind) {
    case 'decimal':
    case 'double':
    case 'bool':
      return Number(value);
    case 'int':
      // Text, so a BIGINT past 2^53 compares exactly.
      return String(value);
    case 'json':
      return typeof value === 'string' ? parsedJson(value) : value;
    default:
      return String(value);
  }
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Field → comparable value of a row (as SELECT * returned it), over the plan's columns. */
export function storedForms(plan: TablePlan, row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(plan.columns.map((c) => [c.field, comparableForm(c, row[c.column])]));
}

/** Field → what the writer would store for the record (its key already mapped to the stored key). */
export function wantedForms(plan: TablePlan, record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(plan.columns.map((c) => [c.field, wantedForm(c, record[c.field])]));
}
