/**
 * Points in time with OData's full precision. An Edm.DateTimeOffset may carry up to 7 fractional
 * digits (100 ns), which a JS number of epoch milliseconds cannot hold exactly, so an instant is a
 * whole number of milliseconds plus a count of 100 ns ticks inside that millisecond. Comparing
 * instants (not strings) makes `…T05:00:00+02:00` equal `…T03:00:00Z`.
 */
export interface Instant {
  /** Whole milliseconds since the Unix epoch (floor). */
  ms: number;
  /** 100 ns ticks past `ms`, 0..9999. */
  ticks: number;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?(Z|[+-]\d{2}:\d{2})$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : (MONTH_DAYS[m - 1] as number));
}

/** `Date.UTC` maps years 0..99 to 1900..1999; OData years are literal. */
function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s));
  date.setUTCFullYear(y, mo - 1, d);
  return date.getTime();
}

/** Parses an OData DateTimeOffset literal / ISO 8601 value; undefined when malformed or out of range. */
export function parseDateTimeOffset(text: string): Instant | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  const y = Number(ys);
  const mo = Number(mos);
  const d = Number(ds);
  const h = Number(hs);
  const mi = Number(mis);
  const s = ss === undefined ? 0 : Number(ss);
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMin = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 14 || om > 59) return undefined;
    offsetMin = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const digits = (frac ?? '').padEnd(7, '0');
  const fracMs = Number(digits.slice(0, 3));
  const ticks = Number(digits.slice(3, 7));
  const ms = utcMs(y, mo, d, h, mi, s) + fracMs - offsetMin * 60_000;
  return { ms, ticks };
}

/** Parses `YYYY-MM-DD`; returns the date back when valid. */
export function parseDate(text: string): string | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  return validDate(Number(m[1]), Number(m[2]), Number(m[3])) ? text : undefined;
}

/** Midnight UTC of a `YYYY-MM-DD` date. */
export function dateToInstant(date: string): Instant {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return { ms: utcMs(y, m, d, 0, 0, 0), ticks: 0 };
}

export function compareInstants(a: Instant, b: Instant): number {
  return a.ms - b.ms || a.ticks - b.ticks;
}

/**
 * Instant of a record's timestamp value. Generated values are always `…sss Z`, for which
 * `Date.parse` is exact; anything else goes through the full parser.
 */
export function instantOfValue(value: unknown): Instant | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length === 24 && value.charCodeAt(23) === 90 /* Z */) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return { ms, ticks: 0 };
  }
  return parseDateTimeOffset(value);
}
