/**
 * The bulk path of a page into tables that do not hold its keys yet (an initial load):
 * `LOAD DATA LOCAL INFILE` streamed from the converted rows, a quarter of a megabyte at a time, instead of a
 * multi-megabyte upsert statement the server must parse. It only ever inserts: a key the table
 * already has, or a value the server would change or refuse, shows up as a warning or as fewer
 * rows loaded, and then the caller rolls the page back and writes it with the upsert, whose rules
 * (rejects, an older timestamp never overwrites, children replaced) decide as always.
 */
import { Readable } from 'node:stream';
import type { PoolConnection, ResultSetHeader } from 'mysql2/promise';
import { quoteIdent } from './identifiers';
import { EXTRA_COLUMN, type TablePlan } from './schema';

type Value = string | number | null;

/** Bytes per chunk handed to the connection: bounds the text held at once. */
const CHUNK_BYTES = 256 * 1024;
const NEWLINE = 0x0a;

/** MySQL errors that mean LOAD DATA LOCAL is not allowed here (server or client side). */
const LOCAL_INFILE_REFUSED = new Set([1148, 3948, 3950, 4166]);

/** The page could not be loaded as it is: the caller writes it with the upsert instead. */
export class BulkLoadRefused extends Error {
  override readonly name = 'BulkLoadRefused';
  constructor(
    message: string,
    /** True when the server does not allow LOAD DATA LOCAL at all: no later page should try. */
    readonly unavailable = false,
    /** True when the page can be loaded once prepared without lines (writer.ts): the bulk path goes on. */
    readonly needsRows = false,
  ) {
    super(message);
  }
}

/** Characters LOAD DATA's default format reads as something else unless escaped. */
const TSV_SPECIAL = /[\\\t\n\r\0]/;
const TSV_SPECIALS = /[\\\t\n\r\0]/g;
const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/** One value as LOAD DATA's default format reads it: tab-separated, `\N` for NULL, backslash escapes. */
export function tsvField(value: Value): string {
  return String(fieldText(value));
}

/** tsvField, leaving a number for the line's join to write (as String() would). */
function fieldText(value: Value): string | number {
  if (value === null) return '\\N';
  if (typeof value === 'number') return value;
  return TSV_SPECIAL.test(value) ? value.replace(TSV_SPECIALS, (c) => TSV_ESCAPES[c]!) : value;
}

/**
 * The rows at `positions` as LOAD DATA text, in chunks of about CHUNK_BYTES; a row with a line
 * (`lines`) is that line. Each other line is joined from its fields in one step (a row of a wide
 * table is hundreds of them; concatenation would make a chain of partial strings per row) and
 * encoded straight into the chunk, so no text larger than a line is ever made.
 */
export function* tsvChunks(rows: Value[][], positions: Iterable<number>, lines?: (Uint8Array | undefined)[]): Generator<Buffer> {
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  const fields: (string | number)[] = [];
  for (const p of positions) {
    const written = lines?.[p];
    if (written) {
      // Written by the JSON thread (json-lines.mjs), newline included.
      if (used + written.length > chunk.length) {
        if (used > 0) yield chunk.subarray(0, used);
        chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, written.length));
        used = 0;
      }
      chunk.set(written, used);
      used += written.length;
      continue;
    }
    const row = rows[p]!;
    fields.length = row.length;
    for (let i = 0; i < row.length; i++) fields[i] = fieldText(row[i]!);
    const line = fields.join('\t');
    // A UTF-16 unit is at most three bytes of UTF-8; one more for the newline.
    const room = line.length * 3 + 1;
    if (used + room > chunk.length) {
      if (used > 0) yield chunk.subarray(0, used);
      chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, room));
      used = 0;
    }
    used += chunk.write(line, used);
    chunk[used++] = NEWLINE;
  }
  if (used > 0) yield chunk.subarray(0, used);
}

/** The LOAD DATA statement for a table, columns in the plan's order plus the extra-fields column. */
export function loadSql(plan: TablePlan): string {
  const columns = [...plan.columns.map((c) => c.column), EXTRA_COLUMN].map((c) => quoteIdent(c)).join(', ');
  return `LOAD DATA LOCAL INFILE 'resync-page' INTO TABLE ${quoteIdent(plan.table)} CHARACTER SET utf8mb4 (${columns})`;
}

/**
 * Loads the rows at `positions` inside the connection's open transaction. Every row must land as
 * sent: otherwise BulkLoadRefused (LOCAL makes the server skip a duplicate key or adjust a value
 * with a warning instead of failing, so both are checked).
 */
export async function loadRows(
  conn: PoolConnection,
  plan: TablePlan,
  rows: Value[][],
  positions: number[],
  lines?: (Uint8Array | undefined)[],
): Promise<number> {
  if (positions.length === 0) return 0;
  let result: ResultSetHeader;
  try {
    [result] = await conn.query<ResultSetHeader>({
      sql: loadSql(plan),
      infileStreamFactory: () => Readable.from(tsvChunks(rows, positions, lines)),
    });
  } catch (err) {
    const errno = (err as { errno?: number }).errno;
    if (errno !== undefined && LOCAL_INFILE_REFUSED.has(errno)) {
      throw new BulkLoadRefused(`LOAD DATA LOCAL is not allowed: ${(err as Error).message}`, true);
    }
    if (errno !== undefined && !(err as { fatal?: boolean }).fatal) throw new BulkLoadRefused((err as Error).message);
    throw err;
  }
  if (result.affectedRows !== positions.length || result.warningStatus !== 0) {
    throw new BulkLoadRefused(`${plan.table}: ${result.affectedRows} of ${positions.length} rows loaded, ${result.warningStatus} warnings`);
  }
  return positions.length;
}
