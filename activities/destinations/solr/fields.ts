/**
 * EDM → Solr field mapping, and the conversion of each JSON value into what that field takes. A
 * value that cannot be stored faithfully raises SolrValueRejected (the record goes to rejects with
 * the field and reason), as in the MySQL destination.
 *
 * Rules (docs/destinations.md, "Solr"):
 * - Edm.String → `string` (exact, sortable, facetable). Long text → `text_general` (tokenised,
 *   searchable, not sortable): a declared MaxLength over 255 or `max`, or, without a MaxLength, a name
 *   ending in Remarks, Description, Directions, Instructions or Comments. Keys always stay `string`.
 * - Date and DateTimeOffset → `pdate`, sent in UTC ending in `Z`, truncated to milliseconds (what a
 *   DatePointField keeps). Byte…Int32 → `pint`, Int64 → `plong`, Decimal/Double/Single → `pdouble`,
 *   Boolean → `boolean`, enums → `string` (flag enums multi-valued), Collection(…) → multiValued.
 * - GeographyPoint → `location` (`lat,lon`); and a `location` field derived from Latitude/Longitude
 *   (`<X>Location` from `<X>Latitude`/`<X>Longitude`), filled when both are valid coordinates.
 * - Complex, undeclared, Binary/Stream values → a stored-only `string` (neither indexed nor docValues,
 *   so no size limit applies) holding the value or its JSON text.
 */
import type { EdmModel, FieldModel } from '../../source/metadata/model';
import { hasUtcOffset, parseInstant } from '../../common/timestamps';
import type { ConversionDecision } from '../destination';
import { SolrSchemaError } from './errors';

export type SolrValueKind = 'string' | 'text' | 'bool' | 'int' | 'double' | 'date' | 'datetime' | 'stored' | 'point';

export interface SolrFieldPlan {
  /** The record's property name. */
  field: string;
  /** The Solr field name (the same: Solr names are case-sensitive like OData's). */
  name: string;
  /** Solr field type, one of those in scripts/solr/configset/managed-schema.xml. */
  type: 'string' | 'text_general' | 'boolean' | 'pint' | 'plong' | 'pdouble' | 'pdate' | 'location';
  kind: SolrValueKind;
  multiValued: boolean;
  /** False for stored-only fields (no index, no docValues: no term-size limit). */
  indexed: boolean;
  /** Integer range, for int fields. */
  min?: bigint;
  max?: bigint;
  /** Comma-separated flag enum: a string value is split into its members. */
  flags?: boolean;
  /** Text that must have this form. */
  format?: 'guid';
}

/** What the Schema API gets for one field. */
export interface SolrFieldDefinition {
  name: string;
  type: string;
  stored: true;
  indexed: boolean;
  multiValued: boolean;
  docValues?: false;
}

export function fieldDefinition(plan: Pick<SolrFieldPlan, 'name' | 'type' | 'multiValued' | 'indexed'>): SolrFieldDefinition {
  return {
    name: plan.name,
    type: plan.type,
    stored: true,
    indexed: plan.indexed,
    multiValued: plan.multiValued,
    ...(plan.indexed ? {} : { docValues: false }),
  };
}

/** Solr's unique key: the record's key as stored (after key mapping). */
export const ID_FIELD = 'id';
/** In a child core: the parent's key as stored, so a parent's children can be deleted by query. */
export const PARENT_KEY_FIELD = 'resync_parent_key';
/** Properties the metadata does not declare, kept as JSON text (MySQL's `_resync_extra`). */
export const EXTRA_FIELD = 'resync_extra';
const RESERVED = new Set([ID_FIELD, PARENT_KEY_FIELD, EXTRA_FIELD, '_version_', '_root_', '_nest_path_', '_text_']);

/** Solr's advice for field names: letters, digits and underscores, not starting with a digit. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Declared MaxLength above which a string is text to search rather than a value to match. */
export const TEXT_MIN_LENGTH = 256;
const LONG_TEXT_NAME = /(Remarks|Description|Directions|Instructions|Comments)$/;

const INT_RANGES: Record<string, { min: bigint; max: bigint; type: 'pint' | 'plong' }> = {
  'Edm.Byte': { min: 0n, max: 255n, type: 'pint' },
  'Edm.SByte': { min: -128n, max: 127n, type: 'pint' },
  'Edm.Int16': { min: -32768n, max: 32767n, type: 'pint' },
  'Edm.Int32': { min: -2147483648n, max: 2147483647n, type: 'pint' },
  'Edm.Int64': { min: -9223372036854775808n, max: 9223372036854775807n, type: 'plong' },
};

export function assertSolrFieldName(name: string, what: string): void {
  if (!FIELD_NAME.test(name)) {
    throw new SolrSchemaError(
      `${what}: ${JSON.stringify(name)} is not a usable Solr field name (letters, digits and _, not a digit first)`,
    );
  }
  if (RESERVED.has(name) || (name.startsWith('_') && name.endsWith('_'))) {
    throw new SolrSchemaError(`${what}: ${name} is reserved in resync's Solr cores`);
  }
}

export function planSolrField(field: FieldModel, model: EdmModel, opts: { isKey: boolean }): SolrFieldPlan {
  const base = { field: field.name, name: field.name, multiValued: field.collection, indexed: true };
  const stored = { ...base, type: 'string' as const, kind: 'stored' as const, indexed: false };
  if (field.type.kind === 'complex' || field.type.kind === 'unknown') return stored;
  if (field.type.kind === 'enum') {
    const flags = model.enumTypes[field.type.name]?.isFlags ?? false;
    return { ...base, type: 'string', kind: 'string', multiValued: field.collection || flags, ...(flags ? { flags } : {}) };
  }
  switch (field.type.name) {
    case 'Edm.String': {
      if (opts.isKey) return { ...base, type: 'string', kind: 'string' };
      const declared = field.maxLength;
      const long = declared === 'max' || (typeof declared === 'number' ? declared >= TEXT_MIN_LENGTH : LONG_TEXT_NAME.test(field.name));
      return long ? { ...base, type: 'text_general', kind: 'text' } : { ...base, type: 'string', kind: 'string' };
    }
    case 'Edm.Boolean':
      return { ...base, type: 'boolean', kind: 'bool' };
    case 'Edm.Byte':
    case 'Edm.SByte':
    case 'Edm.Int16':
    case 'Edm.Int32':
    case 'Edm.Int64': {
      const r = INT_RANGES[field.type.name]!;
      return { ...base, type: r.type, kind: 'int', min: r.min, max: r.max };
    }
    case 'Edm.Decimal':
    case 'Edm.Double':
    case 'Edm.Single':
      return { ...base, type: 'pdouble', kind: 'double' };
    case 'Edm.Date':
      return { ...base, type: 'pdate', kind: 'date' };
    case 'Edm.DateTimeOffset':
      return { ...base, type: 'pdate', kind: 'datetime' };
    case 'Edm.Guid':
      return { ...base, type: 'string', kind: 'string', format: 'guid' };
    case 'Edm.TimeOfDay':
    case 'Edm.Duration':
      return { ...base, type: 'string', kind: 'string' };
    case 'Edm.Binary':
    case 'Edm.Stream':
      return stored;
    case 'Edm.GeographyPoint':
    case 'Edm.GeometryPoint':
      return { ...base, type: 'location', kind: 'point' };
  }
}

/** A location field filled from two numeric coordinate fields. */
export interface DerivedLocation {
  name: string;
  latitude: string;
  longitude: string;
}

const NUMERIC = new Set(['Edm.Decimal', 'Edm.Double', 'Edm.Single']);

/** `<X>Latitude` + `<X>Longitude` (numeric, single-valued) → `<X>Location`, or `location` for the bare pair. */
export function deriveLocations(fields: FieldModel[]): DerivedLocation[] {
  const numeric = new Set(
    fields.filter((f) => !f.collection && f.type.kind === 'primitive' && NUMERIC.has(f.type.name)).map((f) => f.name),
  );
  const taken = new Set(fields.map((f) => f.name));
  const out: DerivedLocation[] = [];
  for (const latitude of numeric) {
    if (!latitude.endsWith('Latitude')) continue;
    const prefix = latitude.slice(0, -'Latitude'.length);
    const longitude = `${prefix}Longitude`;
    const name = prefix ? `${prefix}Location` : 'location';
    if (numeric.has(longitude) && !taken.has(name)) out.push({ name, latitude, longitude });
  }
  return out;
}

export class SolrValueRejected extends Error {
  override readonly name = 'SolrValueRejected';
}

export type SolrValue = string | number | boolean | (string | number | boolean)[];

/** The contract's ConversionDecision: Solr stores values by the same documented rules. */
export type SolrConversionDecision = ConversionDecision;

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Converts one JSON value for a field (undefined: nothing to store); throws SolrValueRejected. */
export function toSolrValue(plan: SolrFieldPlan, value: unknown, decided?: (d: SolrConversionDecision) => void): SolrValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (plan.kind === 'stored') {
    if (Array.isArray(value) && plan.multiValued) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    return typeof value === 'string' ? value : JSON.stringify(value);
  }
  if (plan.multiValued) {
    let items: unknown[];
    if (Array.isArray(value)) items = value;
    else if (plan.flags && typeof value === 'string')
      items = value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
    else if (plan.flags) items = [value];
    else throw new SolrValueRejected(`expected a list, got ${describe(value)}`);
    const out: (string | number | boolean)[] = [];
    for (const item of items) {
      const one = scalar(plan, item, decided);
      if (one !== undefined) out.push(one);
    }
    return out.length > 0 ? out : undefined;
  }
  return scalar(plan, value, decided);
}

function scalar(plan: SolrFieldPlan, value: unknown, decided?: (d: SolrConversionDecision) => void): string | number | boolean | undefined {
  if (value === null || value === undefined) return undefined;
  switch (plan.kind) {
    case 'string':
    case 'text':
    case 'stored': {
      let text: string;
      if (typeof value === 'string') text = value;
      else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
      else throw new SolrValueRejected(`expected text, got ${describe(value)}`);
      if (plan.format === 'guid' && !GUID.test(text)) throw new SolrValueRejected(`expected a Guid, got ${describe(value)}`);
      return text;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 0 || value === 1) return value === 1;
      if (value === 'true' || value === 'false') return value === 'true';
      throw new SolrValueRejected(`expected a boolean, got ${describe(value)}`);
    case 'int': {
      const text =
        typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : typeof value === 'string' ? value.trim() : '';
      const m = /^(-?\d+)(?:\.0+)?$/.exec(text);
      if (!m) throw new SolrValueRejected(`expected an integer, got ${describe(value)}`);
      const n = BigInt(m[1]!);
      if (n < plan.min! || n > plan.max!) throw new SolrValueRejected(`${m[1]} is out of range for ${plan.type}`);
      // Beyond 2^53 a JSON number would be rounded on its way: Solr parses the digits itself.
      return Number.isSafeInteger(Number(n)) ? Number(n) : m[1]!;
    }
    case 'double': {
      const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
      if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) || !Number.isFinite(Number(text))) {
        throw new SolrValueRejected(`expected a number, got ${describe(value)}`);
      }
      return Number(text);
    }
    case 'date': {
      const m = typeof value === 'string' ? /^(\d{4}-\d{2}-\d{2})(?:$|T)/.exec(value.trim()) : null;
      if (!m || !parseInstant(`${m[1]}T00:00:00Z`)) throw new SolrValueRejected(`expected a date (YYYY-MM-DD), got ${describe(value)}`);
      return `${m[1]}T00:00:00Z`;
    }
    case 'datetime': {
      const iso = typeof value === 'string' ? toSolrInstant(value) : undefined;
      if (!iso) throw new SolrValueRejected(`expected a timestamp, got ${describe(value)}`);
      if (!hasUtcOffset(value as string)) decided?.('timestamp-without-offset-read-as-utc');
      return iso;
    }
    case 'point': {
      const point = geoPoint(value);
      if (!point) throw new SolrValueRejected(`expected a GeoJSON point, got ${describe(value)}`);
      return point;
    }
  }
}

/**
 * An OData timestamp as Solr stores it: UTC, `Z`, milliseconds (the fraction truncated, not rounded,
 * so the stored value is never later than the MLS's). Undefined when unreadable or out of range.
 */
export function toSolrInstant(text: string): string | undefined {
  const instant = parseInstant(text);
  if (!instant) return undefined;
  const date = new Date(instant.epochSeconds * 1000);
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) return undefined;
  return `${date.toISOString().slice(0, 19)}.${instant.fraction7.slice(0, 3)}Z`;
}

/** `lat,lon` for valid coordinates, else undefined. */
export function latLon(latitude: unknown, longitude: unknown): string | undefined {
  const lat = typeof latitude === 'number' ? latitude : typeof latitude === 'string' ? Number(latitude) : NaN;
  const lon = typeof longitude === 'number' ? longitude : typeof longitude === 'string' ? Number(longitude) : NaN;
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined;
  // 0,0 is the placeholder some feeds send for "unknown", not a listing in the Gulf of Guinea.
  if (lat === 0 && lon === 0) return undefined;
  return `${lat},${lon}`;
}

function geoPoint(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const coordinates = (value as { coordinates?: unknown }).coordinates;
  if (!Array.isArray(coordinates) || coordinates.length < 2) return undefined;
  return latLon(coordinates[1], coordinates[0]);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
