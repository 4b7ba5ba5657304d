/**
 * How many rows fit in one multi-row upsert. The server refuses (and closes the connection on) a
 * statement larger than its `max_allowed_packet`, which loses the page's transaction; so batches
 * are sized from the server's real limit, counting each value as mysql2 writes it into the
 * statement (quoted, escaped, UTF-8), with headroom for the protocol.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';

/** Larger batches gain nothing and hold more of a page in one statement. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** Protocol framing and anything the estimate does not see (a few bytes in practice). */
const HEADROOM_BYTES = 16 * 1024;
/** Separators around each value (`, `) and row (`(`, `)`, `, `). */
export const ROW_FRAME_BYTES = 4;
export const VALUE_SEPARATOR_BYTES = 2;

/** Characters mysql2 (sqlstring) escapes with a backslash: each costs one byte more. */
// eslint-disable-next-line no-control-regex -- the control characters are exactly what is escaped
const ESCAPED = /[\0\b\t\n\r\x1a"'\\]/;

/** Bytes one value takes in the statement text, without its separator. */
export function statementBytes(value: string | number | null): number {
  if (value === null) return 4;
  if (typeof value === 'number') return String(value).length;
  let bytes = Buffer.byteLength(value, 'utf8') + 2;
  if (ESCAPED.test(value)) {
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c === 0 || c === 8 || c === 9 || c === 10 || c === 13 || c === 26 || c === 34 || c === 39 || c === 92) bytes++;
    }
  }
  return bytes;
}

/** The server's `max_allowed_packet` as this pool's sessions see it. */
export async function readPacketLimit(pool: Pool): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT @@max_allowed_packet AS p');
  const packet = Number(rows[0]?.p);
  if (!Number.isFinite(packet) || packet <= 0) throw new Error(`the server reported max_allowed_packet ${String(rows[0]?.p)}`);
  return packet;
}

/** Thrown when the upsert statement alone (its column list) leaves no room for a single row. */
export class StatementTooLarge extends Error {
  override readonly name = 'StatementTooLarge';
}

/** Bytes of rows one statement of `sql` may carry under the server's `packet` limit. */
export function batchBudget(packet: number, sql: string, table: string): number {
  const budget = Math.min(MAX_BATCH_BYTES, packet - Buffer.byteLength(sql, 'utf8') - HEADROOM_BYTES);
  if (budget <= 0) {
    throw new StatementTooLarge(
      `the upsert of ${table} is ${Buffer.byteLength(sql, 'utf8')} bytes before any row, over the server's max_allowed_packet of ${packet}; raise max_allowed_packet`,
    );
  }
  return budget;
}

/** The reject reason for a row that cannot fit in any statement on this server. */
export function rowTooLargeReason(rowBytes: number, packet: number, budget: number): string {
  return (
    `the row is ${rowBytes} bytes as an SQL statement, more than the server's max_allowed_packet of ${packet} bytes allows ` +
    `(room for ${budget} bytes of row data); raise max_allowed_packet to write it`
  );
}
