/**
 * Upserts a page: multi-row `INSERT … ON DUPLICATE KEY UPDATE` in batches sized by bytes, all in
 * one transaction. An update never replaces a row with an older ModificationTimestamp (a late,
 * out-of-order page must not roll a record back). Records with values that cannot be stored are
 * returned as rejects; every other record lands.
 *
 * With expanded children (Media inside Property) the same transaction replaces the children of
 * every parent the page updated, and leaves alone those of a parent it did not (an older copy).
 */
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { ChildWriteResult, ConversionNotice, WriteReject } from '../destination';
import { compareInstants, parseInstant } from '../../common/timestamps';
import { columnConverter, ValueRejected, ValueTooLong, type ColumnConverter, type ColumnPlan, type ConversionDecision } from './columns';
import { BulkLoadRefused, loadRows } from './bulk-load';
import { quoteIdent } from './identifiers';
import { batchBudget, ROW_FRAME_BYTES, rowTooLargeReason, statementBytes, VALUE_SEPARATOR_BYTES } from './packet';
import { EXTRA_COLUMN, type TablePlan } from './schema';
import { isBare, lineFor, WholeRecordsNeeded } from '../../common/load-lines';

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
  /**
   * Each row's size in the upsert statement at most (see maxStatementBytes): enough to know that a
   * row fits under the server's packet limit without measuring every value. rowBytes gives the
   * exact size where it matters.
   */
  maxBytes: number[];
  /** Position in the input of each row, and of each reject. */
  indices: number[];
  rejects: WriteReject[];
  rejectIndices: number[];
  /**
   * Columns whose text was too long, with the most characters seen and a record that needed them,
   * counted only for records that had no other problem (widening would not save the others).
   */
  overflows: Map<string, { chars: number; key: string }>;
  /** Values stored by a named rule (see ConversionDecision), per decision and field, of rows kept. */
  decisions: ConversionNotice[];
  /**
   * Per row, the LOAD DATA line the JSON thread wrote for its record (load-lines.ts), when it has
   * one: then the row holds only its key and cursor columns, and the upsert needs the page prepared
   * again without lines (see hasLines).
   */
  lines: (Uint8Array | undefined)[];
}

/** Whether any row stands for its record by a line (and holds only its key and cursor columns). */
function hasLines(prepared: PreparedRows): boolean {
  return prepared.lines.some((line) => line !== undefined);
}

/**
 * Whether a field is named like something every object inherits (`__proto__`, `constructor`):
 * reading such a record by name sees the field as present even when it is not.
 */
export function inheritsFieldName(plan: TablePlan): boolean {
  return plan.columns.some((c) => c.field in Object.prototype);
}

export interface PrepareOptions {
  /** The destination's key mapping (keyMapping.toDestination), applied to the key columns. */
  mapKey?: (key: string) => string;
  /** Properties that are neither columns nor extra fields (navigation properties and their annotations). */
  ignore?: (name: string) => boolean;
  /** Take the lines written for this line table (line-plan.ts) where records have one. */
  lines?: string;
}

/** Each column's converter, built once per plan (a widened column makes a new plan). */
interface CompiledPlan {
  converters: ColumnConverter[];
  isKey: boolean[];
  /**
   * Whether counting the columns a record has tells whether it has other properties: not when a
   * field is named like something every object inherits (`__proto__`, `constructor`), which reads as present.
   */
  countable: boolean;
  /** Columns a row needs even when its record has a line: the keys and the cursor (see replaceChildren). */
  kept: number[];
}

const compiledPlans = new WeakMap<TablePlan, CompiledPlan>();

function compiled(plan: TablePlan): CompiledPlan {
  let entry = compiledPlans.get(plan);
  if (!entry) {
    entry = {
      converters: plan.columns.map(columnConverter),
      isKey: plan.columns.map((c) => plan.keyColumns.includes(c.column)),
      countable: !inheritsFieldName(plan),
      kept: plan.columns.flatMap((c, i) => (plan.keyColumns.includes(c.column) || c.column === plan.cursorColumn ? [i] : [])),
    };
    compiledPlans.set(plan, entry);
  }
  return entry;
}

/**
 * Where the records of a page keep each column's value. Records read by V8's deserializer with
 * their properties in one order share one hidden class, and Object.values() reads all of such a
 * record's values at once, in that order: cheaper than looking up hundreds of columns one by one
 * by name, and the properties that are not columns are found once per layout, not per record.
 * Like the extra column, it sees a record's own enumerable properties, which is what JSON carries.
 */
interface RecordLayout {
  names: string[];
  /** Per column, the value's position in Object.values(record); -1 when the record lacks it. */
  positions: Int32Array;
  /** Positions of the properties stored in the extra column: neither columns, annotations nor ignored. */
  extras: number[];
}

function recordLayout(plan: TablePlan, names: string[], ignore: ((name: string) => boolean) | undefined): RecordLayout {
  const at = new Map<string, number>();
  const extras: number[] = [];
  names.forEach((name, i) => {
    at.set(name, i);
    if (!plan.byField.has(name) && !name.startsWith('@odata.') && !ignore?.(name)) extras.push(i);
  });
  return { names, positions: Int32Array.from(plan.columns, (c) => at.get(c.field) ?? -1), extras };
}

/** Whether two lists of property names are the same, in the same order. */
function sameNames(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The longest text of a JavaScript number: 17 digits after `-0.00000` (`-0.0000012345678901234567`). */
const NUMBER_MAX_CHARS = 25;

/**
 * No less than statementBytes(value), from the value's length alone: a UTF-16 unit takes at most
 * three bytes in UTF-8, an escaped one (ASCII) two, plus the quotes. Measuring every value exactly
 * costs a tenth of converting a page, for rows that are nearly always far below the packet limit.
 */
export function maxStatementBytes(value: string | number | null): number {
  if (value === null) return 4;
  return typeof value === 'number' ? NUMBER_MAX_CHARS : value.length * 3 + 2;
}

/** The row's exact size in the upsert statement (as packet.ts counts it), separators included. */
export function rowBytes(row: Row): number {
  let bytes = ROW_FRAME_BYTES;
  for (const value of row) bytes += statementBytes(value) + VALUE_SEPARATOR_BYTES;
  return bytes - VALUE_SEPARATOR_BYTES;
}

/**
 * No less than the row's size in the upsert statement, from its LOAD DATA line: each value's text
 * escaped at most doubles, and quotes, separators and NULL (`\N` in the line) take four bytes.
 */
export function lineStatementBytes(line: Uint8Array, columns: number): number {
  return ROW_FRAME_BYTES + line.length * 2 + columns * (4 + VALUE_SEPARATOR_BYTES);
}

/** Converts records to rows in column order; a record with any unstorable value is rejected whole. */
export function prepareRows(
  plan: TablePlan,
  keyField: string,
  records: Record<string, unknown>[],
  opts: PrepareOptions = {},
): PreparedRows {
  const steps = preparing(plan, keyField, records, opts);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * Values converted between two turns of the event loop: 25 full Property records, a few milliseconds
 * of work. Counted in values so that narrow tables (Media) do not pay a turn every 25 short rows.
 */
const VALUES_PER_TURN = 16_000;

/**
 * prepareRows, letting the event loop run every few records: a page of wide records takes a few
 * hundred milliseconds to convert, during which the next page's response (read ahead) would
 * otherwise wait unread on its socket.
 */
export async function prepareRowsYielding(
  plan: TablePlan,
  keyField: string,
  records: Record<string, unknown>[],
  opts: PrepareOptions = {},
): Promise<PreparedRows> {
  const steps = preparing(plan, keyField, records, opts);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function* preparing(
  plan: TablePlan,
  keyField: string,
  records: Record<string, unknown>[],
  opts: PrepareOptions,
): Generator<void, PreparedRows> {
  const out: PreparedRows = {
    rows: [],
    keys: [],
    records: [],
    maxBytes: [],
    indices: [],
    rejects: [],
    rejectIndices: [],
    overflows: new Map(),
    decisions: [],
    lines: [],
  };
  const decided = new Map<string, ConversionNotice>();
  const { converters, isKey, countable, kept } = compiled(plan);
  const columns = plan.columns;
  const recordsPerTurn = Math.max(1, Math.floor(VALUES_PER_TURN / (columns.length + 1)));
  const { mapKey, ignore, lines } = opts;
  // One callback for the whole page (not one per value): it files the decision under the column
  // being converted.
  let rowDecisions: { decision: string; field: string }[] = [];
  let converting = '';
  const onDecision = (decision: ConversionDecision) => rowDecisions.push({ decision, field: converting });
  let layout: RecordLayout | undefined;
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    if (index % recordsPerTurn === recordsPerTurn - 1) yield;
    const line = lines === undefined || mapKey ? undefined : lineFor(record, lines);
    const lineRow = line && keptColumns(record, columns, converters, kept);
    if (line && lineRow) {
      out.rows.push(lineRow);
      out.keys.push(String(record[keyField]));
      out.records.push(record);
      out.maxBytes.push(lineStatementBytes(line, columns.length + 1));
      out.indices.push(index);
      out.lines.push(line);
      continue;
    }
    // Converting a bare record would store its missing fields as null.
    if (isBare(record)) throw new WholeRecordsNeeded(`${plan.table}: a bare record has no line for this table plan`);
    // By layout only for plain objects (a transform may return anything) whose fields cannot be
    // inherited names: otherwise each column is read by name, which sees what they inherit.
    let values: unknown[] | undefined;
    if (countable && Object.getPrototypeOf(record) === Object.prototype) {
      const names = Object.keys(record);
      if (!layout || !sameNames(layout.names, names)) layout = recordLayout(plan, names, ignore);
      values = Object.values(record);
    }
    const positions = layout?.positions;
    // Rejects name the key as the MLS knows it, whatever the destination stores.
    const key = String(record[keyField]);
    // Sized once: grown value by value, a row of 650 columns is copied a dozen times.
    const row: Row = new Array<string | number | null>(columns.length + 1);
    // At most what the row takes in the statement (see packet.ts).
    let bytes = ROW_FRAME_BYTES;
    let tooLong: { column: string; field: string; chars: number; reason: string }[] = [];
    let rejected: WriteReject | undefined;
    /** The record's properties that are columns. */
    let present = 0;
    rowDecisions = [];
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c]!;
      try {
        let raw: unknown;
        if (values) {
          const position = positions![c]!;
          raw = position < 0 ? undefined : values[position];
        } else raw = record[col.field];
        if (raw !== undefined) present++;
        const value = mapKey && isKey[c] && raw !== null && raw !== undefined ? mapKey(String(raw)) : raw;
        converting = col.field;
        const v = converters[c]!(value, onDecision);
        bytes += maxStatementBytes(v) + VALUE_SEPARATOR_BYTES;
        row[c] = v;
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
      out.rejectIndices.push(index);
      continue;
    }
    for (const d of rowDecisions) {
      const id = `${d.decision}\u0000${d.field}`;
      const seen = decided.get(id);
      if (seen) seen.records++;
      else decided.set(id, { ...d, records: 1, example: key });
    }
    const extra: Record<string, unknown> = {};
    let hasExtra = false;
    if (values) {
      for (const position of layout!.extras) {
        extra[layout!.names[position]!] = values[position];
        hasExtra = true;
      }
    } else {
      const names = Object.keys(record);
      // A record whose every property is a column (the usual case) has nothing else to look at.
      for (const name of countable && names.length === present ? [] : names) {
        if (!plan.byField.has(name) && !name.startsWith('@odata.') && !ignore?.(name)) {
          extra[name] = record[name];
          hasExtra = true;
        }
      }
    }
    const extraJson = hasExtra ? JSON.stringify(extra) : null;
    row[columns.length] = extraJson;
    out.rows.push(row);
    out.keys.push(key);
    out.records.push(record);
    out.maxBytes.push(bytes + maxStatementBytes(extraJson));
    out.indices.push(index);
    out.lines.push(undefined);
  }
  out.decisions = [...decided.values()];
  return out;
}

/**
 * A row holding only the key and cursor columns of a record whose line holds the rest (the writer
 * reads those itself); undefined when one of them does not convert, which the record's line then
 * cannot stand for either.
 */
function keptColumns(
  record: Record<string, unknown>,
  columns: ColumnPlan[],
  converters: ColumnConverter[],
  kept: number[],
): Row | undefined {
  // Only those positions are ever read (the line holds the rest); as long as a converted row, with its extra-fields column.
  const row = sparseRow(columns.length + 1);
  try {
    for (const c of kept) row[c] = converters[c]!(record[columns[c]!.field]);
  } catch (err) {
    if (err instanceof ValueRejected) return undefined;
    throw err;
  }
  return row;
}

/**
 * An empty row of `length` columns that V8 stores as a dictionary, whose size follows the values
 * put in it. A plain array given a value at position 300 gets a store of 300-odd slots: a lined
 * row holds two or three values (keys, cursor), yet took 3.8 KB, 3.6 MB a page of Property
 * records. V8 makes an array a dictionary when an element lands over 1,024 places past its store,
 * and cutting the length back leaves it one. Only memory depends on this, never what is read.
 */
function sparseRow(length: number): Row {
  const row: Row = [];
  row[length + 1024] = null;
  row.length = length;
  return row;
}

/** The rows at the given positions, as a PreparedRows of their own (rejects and overflows left out). */
function subset(prepared: PreparedRows, positions: number[]): PreparedRows {
  const pick = <T>(list: T[]) => positions.map((p) => list[p]!);
  return {
    rows: pick(prepared.rows),
    keys: pick(prepared.keys),
    records: pick(prepared.records),
    maxBytes: pick(prepared.maxBytes),
    indices: pick(prepared.indices),
    rejects: [],
    rejectIndices: [],
    overflows: new Map(),
    decisions: [],
    lines: pick(prepared.lines),
  };
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

export interface TableWrite {
  plan: TablePlan;
  sql: string;
  prepared: PreparedRows;
}

/** One expanded navigation's rows for a page, prepared before the transaction (widening is DDL). */
export interface ChildWrite extends TableWrite {
  navigation: string;
  resource: string;
  /** For each child input record: its parent's position in the parents' input. */
  parentOf: number[];
  /** Parents whose children arrived; a parent without the property keeps the children it has. */
  delivered: Set<number>;
  /** Parents whose expansion the server cut short (a nextLink inside it): children upserted, none deleted. */
  truncated: Set<number>;
  skipped: number;
}

export interface WrittenRows {
  upserted: number;
  rejects: WriteReject[];
  children: ChildWriteResult[];
}

/** Keys per `IN (…)` list. */
const IN_CHUNK = 1000;

export interface WriteOptions {
  /**
   * Try the bulk path first (bulk-load.ts): the page is inserted by LOAD DATA when none of its
   * keys is stored yet, and written by the upsert (in a new transaction) when that fails.
   */
  bulk?: boolean;
  /** Told why the bulk path gave the page back to the upsert. */
  onBulkRefused?: (reason: BulkLoadRefused) => void;
  /**
   * The same tables prepared again without lines (PreparedRows.lines): called before anything but
   * the bulk path writes tables whose rows have lines.
   */
  withoutLines?: () => Promise<{ parent: TableWrite; children: ChildWrite[] }>;
}

/**
 * The bulk path: parents and children inserted by LOAD DATA in one transaction, with the same
 * rejects as the upsert would make before any SQL (conversion, rows too large for the server).
 * Throws BulkLoadRefused, with nothing committed, when any row would not land as a plain insert.
 */
async function loadPage(pool: Pool, parent: TableWrite, packetBytes: number, children: ChildWrite[]): Promise<WrittenRows> {
  const { plan, prepared } = parent;
  const rejects = [...prepared.rejects];
  return inTransaction(pool, async (conn) => {
    const failed = new Set<number>();
    const upserted = await loadAll(conn, parent, packetBytes, rejects, failed);
    // Every parent was inserted, so none had a stored copy: each one's children are replaced.
    const childResults =
      children.length > 0 ? await replaceChildren(conn, plan, prepared, new Map(), failed, children, packetBytes, loadAll) : [];
    return { upserted, rejects, children: childResults };
  });
}

/** `fn` in one transaction on a connection of its own: committed when it returns, rolled back when it throws. */
async function inTransaction<T>(pool: Pool, fn: (conn: PoolConnection) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const result = await fn(conn);
    await conn.commit();
    return result;
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}

type TableWriter = (
  conn: PoolConnection,
  table: TableWrite,
  packetBytes: number,
  rejects: WriteReject[],
  failed: Set<number>,
) => Promise<number>;

const loadAll: TableWriter = async (conn, table, packetBytes, rejects, failed) => {
  const { prepared } = table;
  const budget = batchBudget(packetBytes, table.sql, table.plan.table);
  const positions: number[] = [];
  for (let p = 0; p < prepared.rows.length; p++) {
    // A row's exact size needs its values: a lined row that may be too large sends the page back to be prepared whole.
    if (prepared.maxBytes[p]! > budget && prepared.lines[p])
      throw new BulkLoadRefused(`${table.plan.table}: a row near the packet limit`, false, true);
    if (prepared.maxBytes[p]! > budget && rowBytes(prepared.rows[p]!) > budget) {
      rejects.push(tooLargeReject(prepared, p, packetBytes, budget));
      failed.add(p);
    } else {
      positions.push(p);
    }
  }
  return loadRows(conn, table.plan, prepared.rows, positions, hasLines(prepared) ? prepared.lines : undefined);
};

/**
 * A row the upsert could not send: the server would refuse the statement and drop the connection
 * (and the page's transaction) on every retry. The reject says what would let it in.
 */
function tooLargeReject(prepared: PreparedRows, p: number, packetBytes: number, budget: number): WriteReject {
  return {
    key: prepared.keys[p]!,
    field: null,
    reason: rowTooLargeReason(rowBytes(prepared.rows[p]!), packetBytes, budget),
    record: prepared.records[p]!,
  };
}

/**
 * Writes a page in one transaction. `packetBytes` is the server's `max_allowed_packet`: each
 * statement carries as many rows as fit under it, and a row that fits in none is a reject.
 */
export async function writeRows(
  pool: Pool,
  parent: TableWrite,
  packetBytes: number,
  children: ChildWrite[] = [],
  opts: WriteOptions = {},
): Promise<WrittenRows> {
  if (opts.bulk) {
    try {
      return await loadPage(pool, parent, packetBytes, children);
    } catch (err) {
      if (!(err instanceof BulkLoadRefused)) throw err;
      if (err.needsRows && opts.withoutLines) {
        const whole = await opts.withoutLines();
        return writeRows(pool, whole.parent, packetBytes, whole.children, { ...opts, withoutLines: undefined });
      }
      opts.onBulkRefused?.(err);
    }
  }
  if ([parent, ...children].some((t) => hasLines(t.prepared))) {
    if (!opts.withoutLines) throw new Error(`${parent.plan.table}: rows with lines need withoutLines to be upserted`);
    ({ parent, children } = await opts.withoutLines());
  }
  const { plan, prepared } = parent;
  const rejects = [...prepared.rejects];
  return inTransaction(pool, async (conn) => {
    // Read (and lock) what the parents hold before they are written: whether a parent was updated
    // decides whether its children are replaced, and a concurrent writer of the same record must
    // wait until this page is committed rather than interleave with it.
    const stored = children.length > 0 ? await storedCursors(conn, plan, prepared) : undefined;
    const failed = new Set<number>();
    const upserted = await upsertAll(conn, parent, packetBytes, rejects, failed);
    const childResults = stored ? await replaceChildren(conn, plan, prepared, stored, failed, children, packetBytes, upsertAll) : [];
    return { upserted, rejects, children: childResults };
  });
}

const upsertAll: TableWriter = async (conn, table, packetBytes, rejects, failed) => {
  const { prepared } = table;
  const budget = batchBudget(packetBytes, table.sql, table.plan.table);
  // Batches are packed by exact sizes, as many rows as fit: this path writes every value as text anyway.
  const bytes = prepared.rows.map(rowBytes);
  let upserted = 0;
  let start = 0;
  while (start < prepared.rows.length) {
    if (bytes[start]! > budget) {
      rejects.push(tooLargeReject(prepared, start, packetBytes, budget));
      failed.add(start);
      start++;
      continue;
    }
    let end = start;
    let size = 0;
    while (end < prepared.rows.length && bytes[end]! <= budget && size + bytes[end]! <= budget) {
      size += bytes[end]!;
      end++;
    }
    upserted += await insertBatch(conn, table.sql, prepared, start, end, rejects, failed);
    start = end;
  }
  return upserted;
};

/** A key column value as text that compares equal to what MySQL hands back for it. */
function keyIdentity(col: ColumnPlan, value: unknown): string {
  if (col.kind === 'int') return BigInt(String(value)).toString();
  return String(value);
}

function keyColumnOf(plan: TablePlan): { col: ColumnPlan; position: number } {
  const position = plan.columns.findIndex((c) => c.column === plan.keyColumns[0]);
  return { col: plan.columns[position]!, position };
}

/** Stored cursor values of the page's parents (null: stored without one), locked for the transaction. */
async function storedCursors(conn: PoolConnection, plan: TablePlan, prepared: PreparedRows): Promise<Map<string, string | null>> {
  const stored = new Map<string, string | null>();
  if (!plan.cursorColumn) return stored;
  const { col, position } = keyColumnOf(plan);
  const keys = [...new Set(prepared.rows.map((r) => r[position]))];
  const [k, ts] = [quoteIdent(col.column), quoteIdent(plan.cursorColumn)];
  for (let i = 0; i < keys.length; i += IN_CHUNK) {
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT ${k} AS k, ${ts} AS ts FROM ${quoteIdent(plan.table)} WHERE ${k} IN (?) FOR UPDATE`,
      [keys.slice(i, i + IN_CHUNK)],
    );
    for (const row of rows) stored.set(keyIdentity(col, row.k), row.ts === null ? null : String(row.ts));
  }
  return stored;
}

/** Whether an incoming cursor value wins over the stored one, as the upsert decides it (`>=`). */
function wins(incoming: string | null, stored: string | null | undefined): boolean {
  if (stored === undefined || stored === null) return true;
  if (incoming === null) return false;
  const a = parseInstant(incoming);
  const b = parseInstant(stored);
  // Both are DATETIME text of one column, so equal formats also compare as text.
  return a && b ? compareInstants(a, b) >= 0 : incoming >= stored;
}

async function replaceChildren(
  conn: PoolConnection,
  plan: TablePlan,
  prepared: PreparedRows,
  stored: Map<string, string | null>,
  failed: Set<number>,
  children: ChildWrite[],
  packetBytes: number,
  writeTable: TableWriter,
): Promise<ChildWriteResult[]> {
  const { col, position } = keyColumnOf(plan);
  const cursorPosition = plan.cursorColumn ? plan.columns.findIndex((c) => c.column === plan.cursorColumn) : -1;
  // Parent key → the parent (input position) whose children the key ends up with. The page is
  // walked in order so a key sent twice is judged against its own earlier copy, as the upsert did.
  const updated = new Map<string, { parent: number; key: string | number }>();
  for (const [p, row] of prepared.rows.entries()) {
    if (failed.has(p)) continue;
    const identity = keyIdentity(col, row[position]);
    const incoming = cursorPosition >= 0 ? (row[cursorPosition] as string | null) : null;
    if (cursorPosition >= 0 && !wins(incoming, stored.get(identity))) continue;
    stored.set(identity, incoming);
    updated.set(identity, { parent: prepared.indices[p]!, key: row[position]! });
  }
  const winners = new Set([...updated.values()].map((u) => u.parent));
  const results: ChildWriteResult[] = [];
  for (const child of children) {
    const parentKeyColumn = quoteIdent(child.plan.parentKeyColumn!);
    const cleared = [...updated.values()].filter((u) => child.delivered.has(u.parent) && !child.truncated.has(u.parent)).map((u) => u.key);
    let deleted = 0;
    for (let i = 0; i < cleared.length; i += IN_CHUNK) {
      const [result] = await conn.query<ResultSetHeader>(`DELETE FROM ${quoteIdent(child.plan.table)} WHERE ${parentKeyColumn} IN (?)`, [
        cleared.slice(i, i + IN_CHUNK),
      ]);
      deleted += result.affectedRows;
    }
    // Children of parents that were not written (rejected, or older than what is stored) are left out.
    const positions = child.prepared.indices.flatMap((input, p) => (winners.has(child.parentOf[input]!) ? [p] : []));
    const rejects = child.prepared.rejects.filter((_, j) => winners.has(child.parentOf[child.prepared.rejectIndices[j]!]!));
    const upserted = await writeTable(conn, { ...child, prepared: subset(child.prepared, positions) }, packetBytes, rejects, new Set());
    results.push({
      navigation: child.navigation,
      resource: child.resource,
      parentsReplaced: [...updated.values()].filter((u) => child.delivered.has(u.parent)).length,
      upserted,
      deleted,
      rejects,
      skipped: child.skipped,
    });
  }
  return results;
}

async function insertBatch(
  conn: PoolConnection,
  sql: string,
  prepared: PreparedRows,
  start: number,
  end: number,
  rejects: WriteReject[],
  failed: Set<number>,
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
      failed.add(start);
      return 0;
    }
    // A failed statement is rolled back alone (the transaction goes on): split to find the bad rows.
    const mid = start + Math.ceil((end - start) / 2);
    return (
      (await insertBatch(conn, sql, prepared, start, mid, rejects, failed)) +
      (await insertBatch(conn, sql, prepared, mid, end, rejects, failed))
    );
  }
}
