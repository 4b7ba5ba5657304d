/**
 * The fixed identity of simulated record number `index`: its keys and its initial timestamps.
 * Keys are fixed-width, so byte order of keys equals numeric order of indices — which makes key
 * order free (no sort) and mirrors what a destination with a binary collation sees.
 */
import { hash, unit } from './hash';

export const KEY_PREFIX = 'L';
export const KEY_DIGITS = 9;
export const MAX_RECORDS = 10 ** KEY_DIGITS;

const DAY_MS = 86_400_000;
/** Initial ModificationTimestamps are spread over this window before the anchor. */
export const SPREAD_MS = 365 * DAY_MS;

export function listingKey(index: number): string {
  return DEFAULT_KEYS.listingKey(index);
}

/** Index of a well-formed ListingKey, or undefined (the caller checks it is live). */
export function parseListingKey(key: string): number | undefined {
  return DEFAULT_KEYS.parseListingKey(key);
}

export function listingId(index: number): string {
  return String(10_000_000 + index);
}

/** `<ListingKey>-M<n>`, n counted from 1 (it equals the media's `Order`). */
export function mediaKey(index: number, order: number): string {
  return DEFAULT_KEYS.mediaKey(index, order);
}

export function parseMediaKey(key: string): { index: number; order: number } | undefined {
  return DEFAULT_KEYS.parseMediaKey(key);
}

/**
 * Keys of one dataset. The prefix varies by platform (MLS Grid keys carry the MLS's code, e.g.
 * `ACT000000123`); whatever it is, keys stay fixed-width so byte order is still index order.
 */
export interface KeyCodec {
  readonly prefix: string;
  listingKey(index: number): string;
  parseListingKey(key: string): number | undefined;
  mediaKey(index: number, order: number): string;
  parseMediaKey(key: string): { index: number; order: number } | undefined;
}

export function keyCodec(prefix: string = KEY_PREFIX): KeyCodec {
  // Letters only: a digit in the prefix would make the digits that follow ambiguous.
  if (!/^[A-Za-z]{1,8}$/.test(prefix)) throw new Error(`key prefix must be 1-8 letters, got ${JSON.stringify(prefix)}`);
  const width = prefix.length + KEY_DIGITS;
  const format = (index: number): string => prefix + String(index).padStart(KEY_DIGITS, '0');
  const parse = (key: string): number | undefined => {
    if (key.length !== width || !key.startsWith(prefix)) return undefined;
    const digits = key.slice(prefix.length);
    return /^\d+$/.test(digits) ? Number(digits) : undefined;
  };
  return {
    prefix,
    listingKey: format,
    parseListingKey: parse,
    mediaKey: (index, order) => `${format(index)}-M${order}`,
    parseMediaKey(key) {
      const dash = key.indexOf('-M');
      if (dash < 0) return undefined;
      const index = parse(key.slice(0, dash));
      const orderText = key.slice(dash + 2);
      if (index === undefined || !/^[1-9]\d*$/.test(orderText)) return undefined;
      return { index, order: Number(orderText) };
    },
  };
}

const DEFAULT_KEYS = keyCodec();

/** ModificationTimestamp of a record that was never mutated: within the year before `anchorMs`. */
export function initialModifiedMs(seed: number, anchorMs: number, index: number): number {
  return anchorMs - 1000 - Math.floor(unit(hash(seed, index, 0x7153)) * SPREAD_MS);
}

/** PhotosChangeTimestamp of a record that was never mutated: up to 30 days before its modification. */
export function initialPhotosMs(seed: number, modifiedMs: number, index: number): number {
  return modifiedMs - Math.floor(unit(hash(seed, index, 0x9407)) * 30 * DAY_MS);
}

/**
 * Media keys sort as strings: with 12 media, `-M10` < `-M11` < `-M12` < `-M2`. This is the order
 * numbers 1..count take in key (byte) order, so that Media can be served in (timestamp, key) order.
 */
export function mediaOrdersInKeyOrder(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1).sort((a, b) => {
    const sa = String(a);
    const sb = String(b);
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  });
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * `YYYY-MM-DDTHH:mm:ss.sssZ` of epoch milliseconds — what `Date#toISOString` gives, computed
 * with integer arithmetic because key scans format millions of these.
 */
export function isoMs(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  // Civil date from days since 1970-01-01 (era-based, proleptic Gregorian).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return new Date(ms).toISOString();
  const hh = Math.floor(rest / 3_600_000);
  rest -= hh * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const ss = Math.floor(rest / 1000);
  const mss = rest - ss * 1000;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hh, 2)}:${pad(mi, 2)}:${pad(ss, 2)}.${pad(mss, 3)}Z`;
}
