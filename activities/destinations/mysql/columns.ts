/**
 * EDM → MySQL column mapping, and the conversion of each JSON value into what that column takes.
 * A value that cannot be stored faithfully raises ValueRejected (the record goes to rejects with
 * the field and reason) instead of being truncated or rounded silently.
 */
import type { EdmModel, FieldModel } from '../../source/metadata/model';
import { hasUtcOffset, parseInstant, toMysqlDatetime } from '../../common/timestamps';
import type { ConversionDecision } from '../destination';

export type ColumnKind = 'string' | 'text' | 'bool' | 'int' | 'decimal' | 'double' | 'date' | 'datetime' | 'time' | 'json';

export interface ColumnPlan {
  field: string;
  column: string;
  kind: ColumnKind;
  /** Full SQL type, e.g. `VARCHAR(50)`, `DATETIME(6)`. */
  sqlType: string;
  /** Characters, for string columns. */
  maxChars?: number;
  /** Integer range, for int columns. */
  min?: bigint;
  max?: bigint;
  /** Fraction digits kept, for datetime/time columns. */
  fraction?: number;
  /** Decimal precision/scale. */
  precision?: number;
  scale?: number;
  /** Comma-separated flag enum or multi-value lookup: arrays are joined. */
  flags?: boolean;
  /** Undeclared type: objects are stored as their JSON text instead of being rejected. */
  lenient?: boolean;
  /** Text that must have this form (Edm.Guid: 8-4-4-4-12 hex digits). */
  format?: 'guid';
}

// A contract type (every destination stores values by the same rules); re-exported for mysql/ users.
export type { ConversionDecision } from '../destination';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export class ValueRejected extends Error {
  override readonly name = 'ValueRejected';
}

/**
 * Text longer than its column. Kept apart from other rejections because the destination may
 * widen the column and write the value after all (see `widenColumn`).
 */
export class ValueTooLong extends ValueRejected {
  constructor(
    message: string,
    readonly chars: number,
  ) {
    super(message);
  }
}

const INT_RANGES: Record<string, { sql: string; min: bigint; max: bigint }> = {
  'Edm.Byte': { sql: 'TINYINT UNSIGNED', min: 0n, max: 255n },
  'Edm.SByte': { sql: 'TINYINT', min: -128n, max: 127n },
  'Edm.Int16': { sql: 'SMALLINT', min: -32768n, max: 32767n },
  'Edm.Int32': { sql: 'INT', min: -2147483648n, max: 2147483647n },
  'Edm.Int64': { sql: 'BIGINT', min: -9223372036854775808n, max: 9223372036854775807n },
};

/** TEXT holds 65,535 bytes: 16,383 four-byte characters. */
export const TEXT_CHARS = 16_383;
/** MEDIUMTEXT holds 16 MB: 4,194,303 four-byte characters. */
export const MEDIUMTEXT_CHARS = 4_194_303;
/** Short strings stay VARCHAR (readable, indexable); long ones become TEXT to respect row limits. */
export const VARCHAR_MAX_CHARS = 255;
const KEY_COLLATION = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_bin';

export function planColumn(field: FieldModel, column: string, model: EdmModel, opts: { isKey: boolean }): ColumnPlan {
  const base = { field: field.name, column };
  if (field.collection || field.type.kind === 'complex') return { ...base, kind: 'json', sqlType: 'JSON' };
  // A type the metadata references but never declares (seen in the DD 2.0 files): keep the value
  // as text, whatever its shape, rather than refusing it.
  if (field.type.kind === 'unknown') return { ...base, kind: 'text', sqlType: 'MEDIUMTEXT', maxChars: MEDIUMTEXT_CHARS, lenient: true };
  if (field.type.kind === 'enum') {
    const enumType = model.enumTypes[field.type.name];
    if (enumType?.isFlags) return { ...base, kind: 'text', sqlType: 'TEXT', maxChars: TEXT_CHARS, flags: true };
    const longest = Math.max(0, ...(enumType?.members ?? []).map((m) => m.name.length));
    // Room for members added to the enum later without a migration.
    const chars = Math.min(VARCHAR_MAX_CHARS, Math.max(64, longest * 2));
    return { ...base, kind: 'string', sqlType: `VARCHAR(${chars})`, maxChars: chars };
  }
  switch (field.type.name) {
    case 'Edm.String': {
      const declared = typeof field.maxLength === 'number' ? field.maxLength : undefined;
      if (opts.isKey) {
        const chars = Math.min(declared ?? VARCHAR_MAX_CHARS, VARCHAR_MAX_CHARS);
        // Binary collation: keys compare and sort by bytes, as the purge/reconcile merges expect.
        return { ...base, kind: 'string', sqlType: `VARCHAR(${chars}) ${KEY_COLLATION}`, maxChars: chars };
      }
      if (declared !== undefined && declared <= VARCHAR_MAX_CHARS) {
        return { ...base, kind: 'string', sqlType: `VARCHAR(${declared})`, maxChars: declared, flags: !!field.lookupName };
      }
      if (declared !== undefined && declared <= TEXT_CHARS) {
        return { ...base, kind: 'text', sqlType: 'TEXT', maxChars: TEXT_CHARS, flags: !!field.lookupName };
      }
      // No or huge MaxLength: MEDIUMTEXT (16 MB) rather than guessing low and rejecting data.
      return { ...base, kind: 'text', sqlType: 'MEDIUMTEXT', maxChars: MEDIUMTEXT_CHARS, flags: !!field.lookupName };
    }
    case 'Edm.Boolean':
      return { ...base, kind: 'bool', sqlType: 'TINYINT(1)' };
    case 'Edm.Byte':
    case 'Edm.SByte':
    case 'Edm.Int16':
    case 'Edm.Int32':
    case 'Edm.Int64': {
      const r = INT_RANGES[field.type.name]!;
      return { ...base, kind: 'int', sqlType: r.sql, min: r.min, max: r.max };
    }
    case 'Edm.Decimal': {
      const scale = typeof field.scale === 'number' ? field.scale : undefined;
      const precision = field.precision;
      if (precision !== undefined && scale !== undefined && precision <= 65 && scale <= 30 && scale <= precision) {
        return { ...base, kind: 'decimal', sqlType: `DECIMAL(${precision},${scale})`, precision, scale };
      }
      // Without a usable precision and scale a fixed DECIMAL would round values silently.
      return { ...base, kind: 'double', sqlType: 'DOUBLE' };
    }
    case 'Edm.Double':
    case 'Edm.Single':
      return { ...base, kind: 'double', sqlType: 'DOUBLE' };
    case 'Edm.Date':
      return { ...base, kind: 'date', sqlType: 'DATE' };
    case 'Edm.DateTimeOffset': {
      // MySQL keeps at most 6 digits; with no facet keep 6 so no feed loses precision.
      const fraction = Math.min(field.precision ?? 6, 6);
      return { ...base, kind: 'datetime', sqlType: `DATETIME(${fraction})`, fraction };
    }
    case 'Edm.TimeOfDay':
      return { ...base, kind: 'time', sqlType: 'TIME(6)', fraction: 6 };
    case 'Edm.Guid':
      return { ...base, kind: 'string', sqlType: 'CHAR(36)', maxChars: 36, format: 'guid' };
    case 'Edm.Duration':
      return { ...base, kind: 'string', sqlType: 'VARCHAR(64)', maxChars: 64 };
    case 'Edm.Binary':
    case 'Edm.Stream':
      return { ...base, kind: 'text', sqlType: 'MEDIUMTEXT', maxChars: MEDIUMTEXT_CHARS };
    case 'Edm.GeographyPoint':
    case 'Edm.GeometryPoint':
      return { ...base, kind: 'json', sqlType: 'JSON' };
  }
}

/** Bytes a column counts against MySQL's 65,535-byte row limit (utf8mb4: 4 bytes a character). */
export function declaredRowBytes(plan: ColumnPlan): number {
  if (plan.kind === 'string') return (plan.maxChars ?? 0) * 4 + 2;
  if (plan.kind === 'text' || plan.kind === 'json') return 12;
  return 8;
}

/** Leaves room below 65,535 for the key, bookkeeping columns and per-row overhead. */
export const ROW_BYTE_BUDGET = 60_000;

/**
 * Wide tables (Property has ~650 fields) overflow the row limit when many strings are VARCHAR:
 * turn the widest non-key VARCHARs into TEXT until the declared row fits.
 */
export function fitRowLimit(plans: ColumnPlan[], keyColumns: Set<string>): ColumnPlan[] {
  let total = plans.reduce((sum, p) => sum + declaredRowBytes(p), 0);
  if (total <= ROW_BYTE_BUDGET) return plans;
  const result = [...plans];
  const candidates = result
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p.kind === 'string' && !keyColumns.has(p.column) && (p.maxChars ?? 0) > 16)
    .sort((a, b) => (b.p.maxChars ?? 0) - (a.p.maxChars ?? 0) || a.i - b.i);
  for (const { p, i } of candidates) {
    if (total <= ROW_BYTE_BUDGET) break;
    const widened: ColumnPlan = { ...p, kind: 'text', sqlType: 'TEXT', maxChars: TEXT_CHARS };
    total += declaredRowBytes(widened) - declaredRowBytes(p);
    result[i] = widened;
  }
  return result;
}

/** Characters a text column of this information_schema DATA_TYPE holds; undefined for other types. */
export function textCapacity(dataType: string, charLength: number | null): number | undefined {
  switch (dataType.toLowerCase()) {
    case 'varchar':
    case 'char':
      return charLength ?? undefined;
    case 'text':
      return TEXT_CHARS;
    case 'mediumtext':
      return MEDIUMTEXT_CHARS;
    case 'longtext':
      return LONGTEXT_CHARS;
    default:
      return undefined;
  }
}

const LONGTEXT_CHARS = 1_073_741_823;

/**
 * The column as the table really has it, when that is wider than the metadata's plan: a column
 * widened earlier (by this or another worker) must be written as what it now is, and never be
 * narrowed back.
 */
export function adoptLiveType(plan: ColumnPlan, dataType: string, charLength: number | null, isKey: boolean): ColumnPlan {
  if (plan.kind !== 'string' && plan.kind !== 'text') return plan;
  const capacity = textCapacity(dataType, charLength);
  if (capacity === undefined || capacity <= (plan.maxChars ?? 0)) return plan;
  const type = dataType.toLowerCase();
  if (type === 'varchar') {
    return {
      ...plan,
      kind: 'string',
      sqlType: isKey ? `VARCHAR(${capacity}) ${KEY_COLLATION}` : `VARCHAR(${capacity})`,
      maxChars: capacity,
    };
  }
  if (type === 'char') return plan;
  return { ...plan, kind: 'text', sqlType: type.toUpperCase(), maxChars: capacity };
}

/**
 * The next type for a text column whose data outgrew it, or undefined when it cannot grow (CHAR,
 * MEDIUMTEXT, a key past VARCHAR(255), non-text kinds): then the value is a reject like any other.
 * VARCHAR grows as VARCHAR while the declared row stays within its budget (`spareRowBytes`), else
 * it becomes TEXT, which costs the row almost nothing; TEXT becomes MEDIUMTEXT.
 */
export function widenColumn(plan: ColumnPlan, chars: number, opts: { isKey: boolean; spareRowBytes: number }): ColumnPlan | undefined {
  const { field, column, flags, lenient } = plan;
  const keep: Pick<ColumnPlan, 'field' | 'column' | 'flags' | 'lenient'> = {
    field,
    column,
    ...(flags ? { flags } : {}),
    ...(lenient ? { lenient } : {}),
  };
  if (plan.kind === 'string' && plan.sqlType.startsWith('VARCHAR(')) {
    const current = plan.maxChars ?? 0;
    if (chars <= VARCHAR_MAX_CHARS) {
      // Doubling first: a column whose values keep growing is altered a few times, not on every page.
      for (const target of [Math.min(VARCHAR_MAX_CHARS, Math.max(chars, current * 2)), chars]) {
        if ((target - current) * 4 <= opts.spareRowBytes) {
          return {
            ...keep,
            kind: 'string',
            sqlType: opts.isKey ? `VARCHAR(${target}) ${KEY_COLLATION}` : `VARCHAR(${target})`,
            maxChars: target,
          };
        }
      }
    }
    // A key must stay an indexable VARCHAR.
    if (opts.isKey) return undefined;
    if (chars <= TEXT_CHARS) return { ...keep, kind: 'text', sqlType: 'TEXT', maxChars: TEXT_CHARS };
  } else if (!(plan.kind === 'text' && plan.sqlType === 'TEXT')) {
    return undefined;
  }
  return chars <= MEDIUMTEXT_CHARS ? { ...keep, kind: 'text', sqlType: 'MEDIUMTEXT', maxChars: MEDIUMTEXT_CHARS } : undefined;
}

/** Converts one JSON value for a column; throws ValueRejected with a reason a person can act on. */
export function toColumnValue(plan: ColumnPlan, value: unknown, decided?: (decision: ConversionDecision) => void): string | number | null {
  if (value === null || value === undefined) return null;
  switch (plan.kind) {
    case 'string':
    case 'text': {
      let text: string;
      if (typeof value === 'string') text = value;
      else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
      // A multi-value lookup or flag enum declared as a string takes an array as its comma-joined
      // members; for plain text an array is a wrong type (joined, it could not be told from "a,b").
      else if (plan.flags && Array.isArray(value) && value.every((v) => typeof v === 'string')) text = value.join(',');
      else if (plan.lenient) text = JSON.stringify(value);
      else throw new ValueRejected(`expected text, got ${describe(value)}`);
      if (plan.maxChars !== undefined && text.length > plan.maxChars) {
        // Length in code points, as MySQL counts characters (a UTF-16 length overstates emoji).
        const chars = [...text].length;
        if (chars > plan.maxChars) throw new ValueTooLong(`text of ${chars} characters exceeds ${plan.sqlType}`, chars);
      }
      if (plan.format === 'guid' && !GUID.test(text)) throw new ValueRejected(`expected a Guid, got ${describe(value)}`);
      return text;
    }
    case 'bool':
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (value === 0 || value === 1) return value;
      if (value === 'true' || value === 'false') return value === 'true' ? 1 : 0;
      throw new ValueRejected(`expected a boolean, got ${describe(value)}`);
    case 'int': {
      const text =
        typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : typeof value === 'string' ? value.trim() : '';
      // Integers sometimes arrive as 12.0; accept them only when the fraction is zero.
      const m = /^(-?\d+)(?:\.0+)?$/.exec(text);
      if (!m) throw new ValueRejected(`expected an integer, got ${describe(value)}`);
      const n = BigInt(m[1]!);
      if (n < plan.min! || n > plan.max!) throw new ValueRejected(`${m[1]} is out of range for ${plan.sqlType}`);
      return m[1]!;
    }
    case 'decimal':
    case 'double': {
      const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
      if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) || !Number.isFinite(Number(text))) {
        throw new ValueRejected(`expected a number, got ${describe(value)}`);
      }
      if (plan.kind === 'decimal') checkDecimal(text, plan);
      return text;
    }
    case 'date': {
      if (typeof value !== 'string') throw new ValueRejected(`expected a date, got ${describe(value)}`);
      const m = /^(\d{4}-\d{2}-\d{2})(?:$|T)/.exec(value.trim());
      if (!m || !parseInstant(`${m[1]}T00:00:00Z`)) throw new ValueRejected(`expected a date (YYYY-MM-DD), got ${describe(value)}`);
      return m[1]!;
    }
    case 'datetime': {
      const instant = typeof value === 'string' ? parseInstant(value) : undefined;
      if (!instant) throw new ValueRejected(`expected a timestamp, got ${describe(value)}`);
      const year = new Date(instant.epochSeconds * 1000).getUTCFullYear();
      if (year < 1000 || year > 9999) throw new ValueRejected(`timestamp ${value as string} is outside DATETIME's range`);
      if (!hasUtcOffset(value as string)) decided?.('timestamp-without-offset-read-as-utc');
      return toMysqlDatetime(instant, plan.fraction ?? 6);
    }
    case 'time': {
      if (typeof value !== 'string' || !/^\d{2}:\d{2}(:\d{2}(\.\d{1,12})?)?$/.test(value)) {
        throw new ValueRejected(`expected a time of day, got ${describe(value)}`);
      }
      return value.replace(/(\.\d{6})\d+$/, '$1');
    }
    case 'json': {
      // A multi-value field sent as "A,B" instead of ["A","B"] is a known feed quirk.
      const normalised =
        typeof value === 'string'
          ? value
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : value;
      return JSON.stringify(normalised);
    }
  }
}

function checkDecimal(text: string, plan: ColumnPlan): void {
  const [intPart = '', fracPart = ''] = text
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .split('.');
  if (/[eE]/.test(text)) return; // exponent forms: let MySQL's strict mode judge the range
  const intDigits = intPart.replace(/^0+/, '').length;
  if (intDigits > (plan.precision ?? 0) - (plan.scale ?? 0)) throw new ValueRejected(`${text} is out of range for ${plan.sqlType}`);
  if (fracPart.replace(/0+$/, '').length > (plan.scale ?? 0)) {
    throw new ValueRejected(`${text} has more decimal places than ${plan.sqlType} keeps`);
  }
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export type ColumnConverter = (value: unknown, decided?: (decision: ConversionDecision) => void) => string | number | null;

const PLAIN_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `YYYY-MM-DD`, a real calendar day from year 1000 on (earlier years take the general path). */
function isPlainDate(text: string): boolean {
  const m = PLAIN_DATE.exec(text);
  return !!m && isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

function isCalendarDay(year: number, month: number, day: number): boolean {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  return year >= 1000 && days !== undefined && day >= 1 && day <= days;
}

/** The number written by the ASCII digits of `text` from `start` to `end`, or -1 if any is not one. */
function digitsAt(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Where the separators of `YYYY-MM-DDTHH:MM:SS` are. */
const TIMESTAMP_SEPARATORS: [number, string][] = [
  [4, '-'],
  [7, '-'],
  [10, 'T'],
  [13, ':'],
  [16, ':'],
];

/**
 * DATETIME text for a UTC timestamp in the common form `YYYY-MM-DDTHH:MM:SS[.1-9 digits]Z`, or
 * undefined to take the general path. Read character by character: a page of full Property
 * records has thousands of these, and a regular expression's match groups cost several times more.
 */
function utcDatetime(text: string, fraction: number): string | undefined {
  const length = text.length;
  if (length < 20 || length > 30 || text.charCodeAt(length - 1) !== 90 /* Z */) return undefined;
  for (const [at, separator] of TIMESTAMP_SEPARATORS) if (text[at] !== separator) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 7);
  const day = digitsAt(text, 8, 10);
  const hour = digitsAt(text, 11, 13);
  const minute = digitsAt(text, 14, 16);
  const second = digitsAt(text, 17, 19);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || !isCalendarDay(year, month, day)) {
    return undefined;
  }
  let digits = '';
  if (length > 20) {
    // `.` and one to nine digits before the Z.
    if (text[19] !== '.' || length < 22 || digitsAt(text, 20, length - 1) < 0) return undefined;
    digits = text.slice(20, length - 1);
  }
  const base = `${text.slice(0, 10)} ${text.slice(11, 19)}`;
  return fraction > 0 ? `${base}.${(digits + '000000').slice(0, fraction)}` : base;
}

/** Characters that JSON.stringify writes as an escape (or, for a lone surrogate, as `\u` code). */
// eslint-disable-next-line no-control-regex -- the control characters are exactly what JSON escapes
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON text for an array of strings, as JSON.stringify writes it, or undefined for any other array
 * (or one with a character JSON escapes: then JSON.stringify itself). Multi-value lookups are a
 * seventh of a Property record's columns; joining the members costs half of stringifying them.
 */
function stringArrayJson(value: unknown[]): string | undefined {
  if (value.length === 0) return '[]';
  let text = '["';
  for (let i = 0; i < value.length; i++) {
    const member = value[i];
    if (typeof member !== 'string' || JSON_ESCAPED.test(member)) return undefined;
    text += i === 0 ? member : `","${member}`;
  }
  return `${text}"]`;
}

/**
 * Whether a number's text fits a DECIMAL(precision, scale) without rounding or overflow, counted
 * on its characters; false for anything checkDecimal must look at (which then explains the refusal).
 */
function decimalFits(text: string, intDigitsMax: number, scale: number): boolean {
  const dot = text.indexOf('.');
  const intEnd = dot < 0 ? text.length : dot;
  let start = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  while (start < intEnd && text.charCodeAt(start) === 48 /* 0 */) start++;
  if (intEnd - start > intDigitsMax) return false;
  if (dot < 0) return true;
  let end = text.length;
  while (end > dot + 1 && text.charCodeAt(end - 1) === 48) end--;
  return end - dot - 1 <= scale;
}

/**
 * The conversion of one column, built once per column plan: the common cases (null, text that
 * fits, a JSON boolean or safe integer, a finite double, a UTC timestamp) return at once; anything
 * else takes `toColumnValue`, which decides and explains exactly as before.
 */
export function columnConverter(plan: ColumnPlan): ColumnConverter {
  const general: ColumnConverter = (value, decided) => toColumnValue(plan, value, decided);
  switch (plan.kind) {
    case 'string':
    case 'text': {
      if (plan.format) return general;
      // A string no longer than the column in UTF-16 units is no longer in code points either.
      const max = plan.maxChars ?? Number.POSITIVE_INFINITY;
      return (value, decided) =>
        value === null || value === undefined ? null : typeof value === 'string' && value.length <= max ? value : general(value, decided);
    }
    case 'bool':
      return (value, decided) =>
        value === null || value === undefined ? null : value === true ? 1 : value === false ? 0 : general(value, decided);
    case 'int': {
      const min = Number(plan.min);
      const max = Number(plan.max);
      return (value, decided) =>
        value === null || value === undefined
          ? null
          : typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max
            ? value
            : general(value, decided);
    }
    case 'double':
      return (value, decided) =>
        value === null || value === undefined
          ? null
          : typeof value === 'number' && Number.isFinite(value)
            ? value
            : general(value, decided);
    case 'decimal': {
      // What a JSON number prints as always has a number's form; only the column's range and scale
      // are left to check. A whole number below 10^(precision - scale) has no digit too many.
      const scale = plan.scale ?? 0;
      const intDigitsMax = (plan.precision ?? 0) - scale;
      const wholeLimit = 10 ** intDigitsMax;
      return (value, decided) => {
        if (value === null || value === undefined) return null;
        if (typeof value !== 'number' || !Number.isFinite(value)) return general(value, decided);
        if (Number.isInteger(value) && Math.abs(value) < wholeLimit) return value;
        const text = String(value);
        // Exponent forms (1e-7) are left to checkDecimal, as toColumnValue leaves them.
        if (text.includes('e') || !decimalFits(text, intDigitsMax, scale)) checkDecimal(text, plan);
        return value;
      };
    }
    case 'date':
      return (value, decided) =>
        value === null || value === undefined ? null : typeof value === 'string' && isPlainDate(value) ? value : general(value, decided);
    case 'datetime': {
      const fraction = plan.fraction ?? 6;
      return (value, decided) =>
        value === null || value === undefined
          ? null
          : (typeof value === 'string' && utcDatetime(value, fraction)) || general(value, decided);
    }
    case 'json':
      return (value, decided) =>
        value === null || value === undefined ? null : (Array.isArray(value) && stringArrayJson(value)) || general(value, decided);
    default:
      return (value, decided) => (value === null || value === undefined ? null : general(value, decided));
  }
}
