/**
 * The order purge and reconcile read keys in, and the value comparisons they make. Keys are
 * compared as UTF-8 bytes: the order of a utf8mb4_bin index, which destination key columns and
 * the staging table both have, so two key-sorted streams can be merged without sorting anything.
 */
import { compareInstants, parseInstant, toMysqlDatetime } from '../common/timestamps';

/** Thrown when the destination hands out keys in another order than ours (a non-binary collation). */
export class KeyOrderError extends Error {
  override readonly name = 'KeyOrderError';
}

/**
 * Orders two strings as their UTF-8 bytes (code point order) without encoding them. JavaScript's
 * `<` compares UTF-16 units, which puts characters beyond U+FFFF (surrogates) below U+E000–U+FFFF;
 * UTF-8 puts them above.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const INTEGER = /^-?\d+$/;
const WIDTH = 20;
const OFFSET = 10n ** BigInt(WIDTH);

/**
 * Integer keys sort as numbers in a destination (a BIGINT primary key). Their staged form is
 * fixed-width text that sorts the same way as bytes: `p` + 20 digits, or `n` + the distance below
 * 10^20 for negatives (`n` < `p`). String keys are staged as they are.
 */
export function sortKey(key: string, numeric: boolean): string {
  if (!numeric) return key;
  const text = key.endsWith('.0') ? key.slice(0, -2) : key;
  if (!INTEGER.test(text)) throw new KeyOrderError(`key ${JSON.stringify(key)} is not an integer`);
  const n = BigInt(text);
  if (n >= OFFSET || -n >= OFFSET) throw new KeyOrderError(`key ${key} has more than ${WIDTH} digits`);
  return n < 0n ? `n${(OFFSET + n).toString().padStart(WIDTH, '0')}` : `p${n.toString().padStart(WIDTH, '0')}`;
}

/** The key as the MLS and the destination write it, from its staged form. */
export function keyFromSortKey(staged: string, numeric: boolean): string {
  if (!numeric) return staged;
  const digits = BigInt(staged.slice(1));
  return staged.startsWith('n') ? (digits - OFFSET).toString() : digits.toString();
}

/**
 * Whether the MLS's timestamp and a stored one are the same at the stored value's precision. A
 * destination keeps DATETIME(6) or (3); the MLS may send 7 fractional digits. The MLS value is
 * truncated as the writer truncates it, so a record stored faithfully is never "stale".
 * `stored` is a DATETIME as MySQL prints it (`YYYY-MM-DD HH:MM:SS[.ffffff]`, UTC).
 */
export function sameAtStoredPrecision(mls: string, stored: string): boolean {
  const instant = parseInstant(mls);
  if (!instant) return false;
  const dot = stored.indexOf('.');
  const precision = dot < 0 ? 0 : stored.length - dot - 1;
  return toMysqlDatetime(instant, Math.min(precision, 7)) === stored;
}

/** Whether a stored timestamp is at or before an instant (canonical text); unreadable counts as before. */
export function storedNotAfter(stored: string | null, bound: string): boolean {
  if (stored === null) return true;
  const a = parseInstant(stored);
  const b = parseInstant(bound);
  if (!a || !b) return true;
  return compareInstants(a, b) <= 0;
}
