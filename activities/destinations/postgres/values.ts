/**
 * One JSON value → what a PostgreSQL column of the plan takes, as a JSON value of the page
 * document the writer hands to `jsonb_populate_recordset` (see writer.ts). Numbers travel as text
 * so no digit is lost on the way; timestamps as UTC text already cut to the column's precision.
 * A value that cannot be stored faithfully raises PgValueRejected (the record goes to rejects)
 * instead of being rounded or truncated by the server.
 */
import { hasUtcOffset, parseInstant, toMysqlDatetime } from '../../common/timestamps';
import type { ConversionDecision } from '../destination';
import type { PgColumnPlan } from './columns';

export class PgValueRejected extends Error {
  override readonly name = 'PgValueRejected';
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
/** timestamptz covers 4713 BC to 294276 AD; OData years have four digits, but year 0 is not a year. */
const MIN_YEAR = 1;

export type PgCell = string | boolean | null | object;

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** PostgreSQL text and jsonb cannot hold U+0000: the server would refuse the whole statement. */
function checkNul(text: string): string {
  if (text.includes('\u0000')) throw new PgValueRejected('contains a NUL character, which PostgreSQL text cannot hold');
  return text;
}

/** numeric(p,s) would round extra decimals silently: refuse them, like the MySQL destination. */
function checkNumeric(text: string, plan: PgColumnPlan): void {
  const m = /^numeric\((\d+),(\d+)\)$/.exec(plan.sqlType);
  if (!m || /[eE]/.test(text)) return; // unconstrained, or an exponent form the server judges
  const [precision, scale] = [Number(m[1]), Number(m[2])];
  const [intPart = '', fracPart = ''] = text.replace(/^-/, '').split('.');
  if (intPart.replace(/^0+/, '').length > precision - scale) throw new PgValueRejected(`${text} is out of range for ${plan.sqlType}`);
  if (fracPart.replace(/0+$/, '').length > scale) throw new PgValueRejected(`${text} has more decimal places than ${plan.sqlType} keeps`);
}

export function toPgCell(plan: PgColumnPlan, value: unknown, decided?: (decision: ConversionDecision) => void): PgCell {
  if (value === null || value === undefined) return null;
  switch (plan.kind) {
    case 'text': {
      let text: string;
      if (typeof value === 'string') text = value;
      else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
      else if (plan.flags && Array.isArray(value) && value.every((v) => typeof v === 'string')) text = value.join(',');
      else if (plan.lenient) text = JSON.stringify(value);
      else throw new PgValueRejected(`expected text, got ${describe(value)}`);
      return checkNul(text);
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 0 || value === 1) return value === 1;
      if (value === 'true' || value === 'false') return value === 'true';
      throw new PgValueRejected(`expected a boolean, got ${describe(value)}`);
    case 'int': {
      const text =
        typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : typeof value === 'string' ? value.trim() : '';
      const m = /^(-?\d+)(?:\.0+)?$/.exec(text);
      if (!m) throw new PgValueRejected(`expected an integer, got ${describe(value)}`);
      const n = BigInt(m[1]!);
      if (n < plan.min! || n > plan.max!) throw new PgValueRejected(`${m[1]} is out of range for ${plan.sqlType}`);
      return n.toString();
    }
    case 'numeric':
    case 'double': {
      const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
      if (!NUMBER.test(text) || !Number.isFinite(Number(text))) throw new PgValueRejected(`expected a number, got ${describe(value)}`);
      if (plan.kind === 'numeric') checkNumeric(text, plan);
      return text;
    }
    case 'date': {
      if (typeof value !== 'string') throw new PgValueRejected(`expected a date, got ${describe(value)}`);
      const m = /^(\d{4}-\d{2}-\d{2})(?:$|T)/.exec(value.trim());
      if (!m || !parseInstant(`${m[1]}T00:00:00Z`) || m[1]!.startsWith('0000')) {
        throw new PgValueRejected(`expected a date (YYYY-MM-DD), got ${describe(value)}`);
      }
      return m[1]!;
    }
    case 'timestamptz': {
      const instant = typeof value === 'string' ? parseInstant(value) : undefined;
      if (!instant) throw new PgValueRejected(`expected a timestamp, got ${describe(value)}`);
      if (new Date(instant.epochSeconds * 1000).getUTCFullYear() < MIN_YEAR) {
        throw new PgValueRejected(`timestamp ${value as string} is before year 1`);
      }
      if (!hasUtcOffset(value as string)) decided?.('timestamp-without-offset-read-as-utc');
      // Cut (never rounded) to the column's digits: the server would round timestamptz(p) up.
      return `${toMysqlDatetime(instant, plan.fraction ?? 6)}+00`;
    }
    case 'time': {
      if (typeof value !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,12})?)?$/.test(value)) {
        throw new PgValueRejected(`expected a time of day, got ${describe(value)}`);
      }
      return value.replace(/(\.\d{6})\d+$/, '$1');
    }
    case 'uuid': {
      if (typeof value !== 'string' || !GUID.test(value)) throw new PgValueRejected(`expected a Guid, got ${describe(value)}`);
      return value;
    }
    case 'jsonb': {
      // A multi-value field sent as "A,B" instead of ["A","B"] is a known feed quirk.
      const normalised =
        typeof value === 'string'
          ? value
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : value;
      if (JSON.stringify(normalised).includes('\\u0000')) {
        throw new PgValueRejected('contains a NUL character, which PostgreSQL jsonb cannot hold');
      }
      return normalised as object;
    }
  }
}

/** The server's text of a timestamptz read back in UTC (`2026-01-02 03:04:05.123456+00`) → canonical ISO. */
export function pgTimestampToIso(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?\+00$/.exec(text);
  if (!m) throw new Error(`unexpected timestamptz text ${JSON.stringify(text)} (is the session in UTC?)`);
  return `${m[1]}T${m[2]}${m[3] ?? ''}Z`;
}
