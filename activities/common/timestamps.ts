/**
 * OData timestamps carry up to 7 fractional digits and any offset; JavaScript's Date keeps 3.
 * These helpers keep the full fraction as text so nothing is lost or rounded on the way to the
 * destination, and compare instants exactly.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

export interface Instant {
  /** Whole seconds since the epoch, UTC. */
  epochSeconds: number;
  /** Fraction of the second as exactly 7 digits (100 ns units). */
  fraction7: string;
}

/** Parses an ISO 8601 / OData DateTimeOffset. A missing offset is read as UTC (seen in real feeds). */
export function parseInstant(text: string): Instant | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '00', frac = '', zone = 'Z'] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return undefined;
  const check = new Date(ms);
  // Date.UTC rolls 2024-02-31 over into March; a real calendar date must round-trip.
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1) return undefined;
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  }
  return {
    epochSeconds: ms / 1000 - offsetMinutes * 60,
    fraction7: (frac + '0000000').slice(0, 7),
  };
}

/**
 * Whether timestamp text names its offset (`Z` or `±hh:mm`). parseInstant reads a missing one as
 * UTC; the writer counts and logs each such value (docs/decisions.md).
 */
export function hasUtcOffset(text: string): boolean {
  const m = ISO.exec(text.trim());
  return !!m?.[8];
}

/** The canonical timestamp one unit of the `digits`-th fraction digit later (digits 0–7). */
export function addFractionUnit(canonical: string, digits: number): string {
  const instant = parseInstant(canonical);
  if (!instant) throw new Error(`not a timestamp: ${canonical}`);
  const units = BigInt(instant.epochSeconds) * 10_000_000n + BigInt(instant.fraction7) + 10n ** BigInt(7 - digits);
  return formatInstant({ epochSeconds: Number(units / 10_000_000n), fraction7: String(units % 10_000_000n).padStart(7, '0') });
}

export function compareInstants(a: Instant, b: Instant): number {
  if (a.epochSeconds !== b.epochSeconds) return a.epochSeconds < b.epochSeconds ? -1 : 1;
  return a.fraction7 < b.fraction7 ? -1 : a.fraction7 > b.fraction7 ? 1 : 0;
}

/** Canonical UTC text `YYYY-MM-DDTHH:MM:SS.fffffffZ`; sorts as text in instant order. */
export function formatInstant(instant: Instant): string {
  const base = new Date(instant.epochSeconds * 1000).toISOString().slice(0, 19);
  return `${base}.${instant.fraction7}Z`;
}

/** Normalises any accepted timestamp text to canonical UTC; undefined when unreadable. */
export function canonicalTimestamp(text: string): string | undefined {
  const instant = parseInstant(text);
  return instant ? formatInstant(instant) : undefined;
}

/**
 * MySQL DATETIME(p) literal in UTC, the fraction truncated (not rounded) to p digits: truncation
 * keeps `stored ≤ original`, so `ge <stored>` still includes the original record.
 */
export function toMysqlDatetime(instant: Instant, precision: number): string {
  const base = new Date(instant.epochSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return precision > 0 ? `${base}.${instant.fraction7.slice(0, precision)}` : base;
}

/** OData DateTimeOffset literal (unquoted) for a canonical timestamp. Trailing zero digits are dropped. */
export function toODataLiteral(canonical: string): string {
  const instant = parseInstant(canonical);
  if (!instant) throw new Error(`not a timestamp: ${canonical}`);
  const base = new Date(instant.epochSeconds * 1000).toISOString().slice(0, 19);
  const fraction = instant.fraction7.replace(/0+$/, '');
  return `${base}${fraction ? `.${fraction}` : ''}Z`;
}
