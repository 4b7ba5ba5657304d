/**
 * LOAD DATA lines the JSON thread wrote for records straight from their JSON (see
 * destinations/mysql/json-lines.mjs), kept beside the records they belong to. The records still
 * travel as objects, and everything else (shaping, other destinations, rejects, the upsert) reads
 * those; MariaDB's bulk path takes a record's line instead of converting it again, but only when
 * the line was written for the very table plan it writes with (a widened column makes a new plan,
 * and lines written for the old one are ignored).
 */

/** One column as json-lines.mjs converts it: ColumnPlan's fields, bounds as text. */
export interface LineColumn {
  field: string;
  kind: string;
  maxChars?: number;
  min?: string;
  max?: string;
  fraction?: number;
  precision?: number;
  scale?: number;
  flags?: boolean;
  lenient?: boolean;
  format?: string;
}

export interface LineTable {
  /** Identifies the table plan the lines follow: a line is used only by a plan with this id. */
  id: string;
  columns: LineColumn[];
}

/** What the JSON thread needs to write a page's lines: the parent's table and each expanded child's. */
export interface LinePlan {
  keyField: string;
  parent: LineTable;
  /** Every navigation property of the parent: neither they nor their annotations are fields. */
  navigations: string[];
  children: { navigation: string; parentKeyField: string; table: LineTable }[];
}

interface AttachedLine {
  table: string;
  line: Uint8Array;
}

const lines = new WeakMap<object, AttachedLine>();

export function attachLine(record: object, table: string, line: Uint8Array): void {
  lines.set(record, { table, line });
}

/** The record's line when it was written for the table plan `table`. */
export function lineFor(record: object, table: string): Uint8Array | undefined {
  const attached = lines.get(record);
  return attached?.table === table ? attached.line : undefined;
}

/** Gives `to`, a copy of `from` with nothing changed but what the line already holds, its line. */
export function carryLine(from: object, to: object): void {
  const attached = lines.get(from);
  if (attached) lines.set(to, attached);
}
