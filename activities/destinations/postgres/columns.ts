/**
 * EDM → PostgreSQL column types, for the PostgreSQL destination's schema (the value conversion
 * belongs to its writer). Where MySQL needs sizes to respect its 65,535-byte row limit, PostgreSQL
 * stores long values out of line (TOAST), so strings are `text` whatever their MaxLength: no
 * column ever has to be widened for a longer string, and nothing is truncated. What has to be
 * checked instead (a GUID's form, an integer's range) is carried on the plan for the writer.
 */
import type { EdmModel, FieldModel } from '../../source/metadata/model';

export type PgColumnKind = 'text' | 'bool' | 'int' | 'numeric' | 'double' | 'date' | 'timestamptz' | 'time' | 'uuid' | 'jsonb';

export interface PgColumnPlan {
  field: string;
  column: string;
  kind: PgColumnKind;
  /** Full SQL type, e.g. `numeric(14,2)`, `timestamptz(6)`, `text COLLATE "C"`. */
  sqlType: string;
  /** Integer range the value must be in (Edm.Byte has no PostgreSQL type of its own). */
  min?: bigint;
  max?: bigint;
  /** Digits after the decimal point kept, for timestamptz/time columns. */
  fraction?: number;
  /** Comma-separated flag enum or multi-value lookup: arrays are joined, as for MySQL. */
  flags?: boolean;
  /** Undeclared type: objects are stored as their JSON text instead of being rejected. */
  lenient?: boolean;
}

/** PostgreSQL's hard limit of columns per table; dropped columns keep counting against it. */
export const PG_MAX_COLUMNS = 1600;
/** numeric(p,s) accepts a precision up to 1000; beyond, or without a usable facet, unconstrained `numeric`. */
const NUMERIC_MAX_PRECISION = 1000;

const INT_TYPES: Record<string, { sql: string; min: bigint; max: bigint }> = {
  'Edm.Byte': { sql: 'smallint', min: 0n, max: 255n },
  'Edm.SByte': { sql: 'smallint', min: -128n, max: 127n },
  'Edm.Int16': { sql: 'smallint', min: -32768n, max: 32767n },
  'Edm.Int32': { sql: 'integer', min: -2147483648n, max: 2147483647n },
  'Edm.Int64': { sql: 'bigint', min: -9223372036854775808n, max: 9223372036854775807n },
};

/**
 * Keys compare and sort by bytes whatever the database's collation, as the key-set merges of
 * purge and reconcile expect (the same reason MySQL keys use utf8mb4_bin).
 */
const KEY_TEXT = 'text COLLATE "C"';

export function planPgColumn(field: FieldModel, column: string, model: EdmModel, opts: { isKey: boolean }): PgColumnPlan {
  const base = { field: field.name, column };
  if (field.collection || field.type.kind === 'complex') return { ...base, kind: 'jsonb', sqlType: 'jsonb' };
  // A type the metadata references but never declares: keep the value as text, whatever its shape.
  if (field.type.kind === 'unknown') return { ...base, kind: 'text', sqlType: 'text', lenient: true };
  if (field.type.kind === 'enum') {
    const flags = model.enumTypes[field.type.name]?.isFlags === true;
    return { ...base, kind: 'text', sqlType: opts.isKey ? KEY_TEXT : 'text', ...(flags ? { flags } : {}) };
  }
  switch (field.type.name) {
    case 'Edm.String':
      if (opts.isKey) return { ...base, kind: 'text', sqlType: KEY_TEXT };
      return { ...base, kind: 'text', sqlType: 'text', ...(field.lookupName ? { flags: true } : {}) };
    case 'Edm.Boolean':
      return { ...base, kind: 'bool', sqlType: 'boolean' };
    case 'Edm.Byte':
    case 'Edm.SByte':
    case 'Edm.Int16':
    case 'Edm.Int32':
    case 'Edm.Int64': {
      const range = INT_TYPES[field.type.name]!;
      return { ...base, kind: 'int', sqlType: range.sql, min: range.min, max: range.max };
    }
    case 'Edm.Decimal': {
      const { precision, scale } = field;
      if (
        precision !== undefined &&
        typeof scale === 'number' &&
        precision >= 1 &&
        precision <= NUMERIC_MAX_PRECISION &&
        scale >= 0 &&
        scale <= precision
      ) {
        return { ...base, kind: 'numeric', sqlType: `numeric(${precision},${scale})` };
      }
      // Unconstrained numeric keeps every digit it is given: never rounded, unlike MySQL's DOUBLE fallback.
      return { ...base, kind: 'numeric', sqlType: 'numeric' };
    }
    case 'Edm.Double':
    case 'Edm.Single':
      // Single too: a JSON number parsed as a double and stored as `real` would lose digits.
      return { ...base, kind: 'double', sqlType: 'double precision' };
    case 'Edm.Date':
      return { ...base, kind: 'date', sqlType: 'date' };
    case 'Edm.DateTimeOffset': {
      // PostgreSQL keeps at most microseconds; with no facet keep all 6 so no feed loses precision.
      const fraction = Math.min(field.precision ?? 6, 6);
      return { ...base, kind: 'timestamptz', sqlType: `timestamptz(${fraction})`, fraction };
    }
    case 'Edm.TimeOfDay':
      return { ...base, kind: 'time', sqlType: 'time(6)', fraction: 6 };
    case 'Edm.Guid':
      return { ...base, kind: 'uuid', sqlType: 'uuid' };
    case 'Edm.Duration':
      // ISO 8601 text as sent: an `interval` would print it back in another form.
      return { ...base, kind: 'text', sqlType: 'text' };
    case 'Edm.Binary':
    case 'Edm.Stream':
      // Base64 text as sent, like the MySQL destination.
      return { ...base, kind: 'text', sqlType: 'text' };
    case 'Edm.GeographyPoint':
    case 'Edm.GeometryPoint':
      return { ...base, kind: 'jsonb', sqlType: 'jsonb' };
  }
}
