/**
 * Builds records on demand from (seed, index, version, timestamps). Each field gets a compiled
 * generator once; a record, or just the handful of fields a `$filter` / `$select` needs, is then
 * produced without any stored per-record data beyond the dataset's typed arrays.
 *
 * About a third of the optional fields are non-null; values respect the field's type, MaxLength,
 * Precision/Scale and enum members. A few well-known fields are always present and coherent
 * (address, price, status, timestamps) so that demos look like listings.
 */
import type { SimEntityType, SimField } from './fields';
import { hash, hashString, mix32, unit } from './hash';
import { initialModifiedMs, isoMs, listingId, listingKey, mediaKey } from './identity';

export interface RecordState {
  index: number;
  version: number;
  modifiedMs: number;
  photosMs: number;
}

export interface GenContext {
  state: RecordState;
  /** Media `Order` (1-based); 0 for a Property record. */
  order: number;
  /** Content version: the record's version for Property, its photo timestamp for Media. */
  version: number;
}

type FieldGen = (ctx: GenContext) => unknown;

export interface EntityGenerator {
  readonly type: SimEntityType;
  /** One field's value; the name must be a field of the type. */
  value(field: string, ctx: GenContext): unknown;
  /** A record with the given fields (all of them, in metadata order, by default). */
  record(ctx: GenContext, fields?: readonly string[]): Record<string, unknown>;
}

export interface GeneratorOptions {
  seed: number;
  /** The dataset's anchor: fields that never change (entry dates) derive from the initial timestamp. */
  anchorMs: number;
  mediaPerRecord: number;
  /** Base URL of media objects. */
  mediaBaseUrl?: string;
}

const DAY_MS = 86_400_000;
const DATE_ORIGIN_MS = Date.UTC(2012, 0, 1);
const DATE_SPAN_DAYS = 14 * 365;

const WORDS = [
  'bright', 'spacious', 'corner', 'lot', 'updated', 'kitchen', 'quiet', 'street', 'near', 'park',
  'schools', 'open', 'floor', 'plan', 'vaulted', 'ceilings', 'hardwood', 'floors', 'large', 'yard',
  'mountain', 'view', 'close', 'to', 'shopping', 'new', 'roof', 'two', 'car', 'garage', 'covered',
  'patio', 'walk', 'in', 'closet', 'granite', 'counters', 'cozy', 'fireplace', 'finished', 'basement',
  'sunny', 'deck', 'fenced', 'garden', 'cul', 'de', 'sac', 'primary', 'suite', 'with', 'bath',
  'tile', 'stainless', 'appliances', 'and', 'plenty', 'of', 'storage', 'move', 'ready', 'home',
];
const CITIES = ['Springfield', 'Riverton', 'Fairview', 'Lakeside', 'Oak Hill', 'Cedar Falls', 'Millbrook', 'Bayview', 'Pinecrest', 'Westfield'];
const COUNTIES = ['Marion', 'Franklin', 'Clay', 'Jefferson', 'Madison', 'Washington'];
const STREETS = ['Main', 'Oak', 'Maple', 'Cedar', 'Elm', 'Pine', 'Lake', 'Hill', 'Sunset', 'River', 'Park', 'Willow'];
const SUFFIXES = ['St', 'Ave', 'Rd', 'Ln', 'Dr', 'Ct', 'Way', 'Blvd'];
const STATUS_WEIGHTS: Array<[string, number]> = [
  ['Active', 50],
  ['ActiveUnderContract', 8],
  ['Pending', 10],
  ['Closed', 20],
  ['ComingSoon', 3],
  ['Expired', 4],
  ['Withdrawn', 3],
  ['Canceled', 2],
];

function pick<T>(items: readonly T[], h: number): T {
  return items[h % items.length] as T;
}

function words(h: number, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    h = mix32(h + i);
    out.push(pick(WORDS, h));
  }
  const text = out.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function clip(text: string, field: SimField): string {
  return field.maxLength !== undefined && text.length > field.maxLength ? text.slice(0, field.maxLength) : text;
}

function isoDate(ms: number): string {
  return isoMs(ms).slice(0, 10);
}

function roundTo(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Largest magnitude a Decimal(precision, scale) can hold, further capped to keep numbers plausible. */
function decimalValue(field: SimField, h: number, cap: number): number {
  const scale = field.scale ?? 2;
  const precision = field.precision ?? 18;
  const limit = Math.min(cap, 10 ** (precision - scale) - 1);
  return roundTo(unit(h) * limit, Math.min(scale, 2));
}

function stringValue(field: SimField, h: number): string {
  const n = field.name;
  const h2 = mix32(h ^ 0xabcdef);
  let text: string;
  if (/Email/.test(n)) text = `user${h % 100_000}@example.com`;
  else if (/Phone|Fax/.test(n)) text = `555-${String(h % 1000).padStart(3, '0')}-${String(h2 % 10_000).padStart(4, '0')}`;
  else if (/URL|Url|Website/.test(n)) text = `https://example.com/${h.toString(36)}`;
  else if (/PostalCodePlus4$/.test(n)) text = String(h % 10_000).padStart(4, '0');
  else if (/PostalCode$/.test(n)) text = String(10_000 + (h % 89_999));
  else if (/Key$/.test(n)) text = `K${h.toString(36)}`;
  else if (/(Id|ID|Number)$/.test(n)) text = String(h % 10_000_000);
  else if (/City$/.test(n)) text = pick(CITIES, h);
  else if (/CountyOrParish$/.test(n)) text = pick(COUNTIES, h);
  else {
    const max = field.maxLength ?? 255;
    const count = max <= 25 ? 1 + (h2 % 2) : max <= 255 ? 2 + (h2 % 5) : 8 + (h2 % 30);
    text = words(h, count);
  }
  return clip(text, field);
}

function integerValue(field: SimField, h: number): number {
  const n = field.name;
  if (/Year/.test(n)) return 1900 + (h % 125);
  if (/Bedrooms|Bathrooms|Stories|Levels|Fireplaces|Spaces|Units|Rooms|Count|Total/.test(n)) return h % 8;
  if (/Days/.test(n)) return h % 365;
  return h % 1000;
}

function decimalCapFor(field: SimField): number {
  const n = field.name;
  if (/Price|Fee|Amount|Expense|Income|Tax|Rent|Value|Cost|Insurance|Assessment/.test(n)) return 2_000_000;
  if (/Area|SquareFeet|Footage/.test(n)) return 10_000;
  if (/Acres/.test(n)) return 100;
  return 1000;
}

/** Generator for any field without a special rule: present for about a third of the records. */
function genericGen(entity: string, field: SimField, seed: number): FieldGen {
  const fh = hashString(`${entity}.${field.name}`);
  const base = (seed ^ fh) >>> 0;
  // A quarter of the fields change their value when the record's version changes.
  const volatile = (fh & 3) === 0;
  const absent: unknown = field.collection ? [] : null;
  const members = field.enum?.members ?? [];
  const cap = decimalCapFor(field);

  const valueOf = (h: number): unknown => {
    switch (field.kind) {
      case 'string':
        return stringValue(field, h);
      case 'enum':
        return members.length > 0 ? pick(members, h) : null;
      case 'boolean':
        return (h & 1) === 1;
      case 'integer':
        return integerValue(field, h);
      case 'decimal':
        return decimalValue(field, h, cap);
      case 'double':
        return roundTo(unit(h) * 1000, 3);
      case 'date':
        return isoDate(DATE_ORIGIN_MS + (h % DATE_SPAN_DAYS) * DAY_MS);
      case 'datetime':
        return isoMs(DATE_ORIGIN_MS + Math.floor(unit(h) * DATE_SPAN_DAYS * DAY_MS));
      default:
        return null;
    }
  };

  return (ctx) => {
    const index = ctx.state.index;
    if (hash(base, index, ctx.order, 1) % 3 !== 0) return absent;
    const h = hash(base, index, ctx.order, volatile ? ctx.version + 2 : 0);
    if (!field.collection) return valueOf(h);
    if (field.kind === 'enum') {
      if (members.length === 0) return [];
      const chosen = new Set<string>();
      const count = 1 + (h % 3);
      for (let i = 0; i < count; i++) chosen.add(pick(members, mix32(h + i)));
      return members.filter((m) => chosen.has(m));
    }
    const count = 1 + (h % 3);
    return Array.from({ length: count }, (_, i) => valueOf(mix32(h + i)));
  };
}

interface Specials {
  [field: string]: FieldGen;
}

function propertySpecials(type: SimEntityType, opts: GeneratorOptions): Specials {
  const seed = opts.seed;
  const enumMembers = (name: string): string[] => type.byName.get(name)?.enum?.members ?? [];
  const statusMembers = STATUS_WEIGHTS.filter(([m]) => enumMembers('StandardStatus').includes(m));
  const statusTotal = statusMembers.reduce((s, [, w]) => s + w, 0);
  const states = enumMembers('StateOrProvince').filter((s) => ['CA', 'TX', 'FL', 'UT', 'OR', 'NY', 'WA', 'CO'].includes(s));
  const types = enumMembers('PropertyType');
  const residential = Math.max(0, types.indexOf('Residential'));

  const h = (ctx: GenContext, salt: number, versioned = false): number =>
    hash(seed, ctx.state.index, salt, versioned ? ctx.version + 1 : 0);
  const status = (ctx: GenContext): string | null => {
    if (statusTotal === 0) return null;
    let r = h(ctx, 11, true) % statusTotal;
    for (const [m, w] of statusMembers) {
      if (r < w) return m;
      r -= w;
    }
    return null;
  };
  const basePrice = (ctx: GenContext): number => 100_000 + (h(ctx, 12) % 1_900) * 1000;
  const city = (ctx: GenContext): string => pick(CITIES, h(ctx, 20));
  const state = (ctx: GenContext): string | null => (states.length > 0 ? pick(states, h(ctx, 21)) : null);
  const zip = (ctx: GenContext): string => String(10_000 + (h(ctx, 22) % 89_999));
  const streetNumber = (ctx: GenContext): string => String(1 + (h(ctx, 23) % 9_999));
  const streetName = (ctx: GenContext): string => pick(STREETS, h(ctx, 24));
  const suffix = (ctx: GenContext): string => pick(SUFFIXES, h(ctx, 25));
  // Listing entry never moves once made: it derives from the record's initial timestamp.
  const enteredMs = (ctx: GenContext): number =>
    Math.min(ctx.state.modifiedMs, initialModifiedMs(seed, opts.anchorMs, ctx.state.index)) - (h(ctx, 32) % (200 * DAY_MS));

  return {
    ListingKey: (c) => listingKey(c.state.index),
    ListingId: (c) => listingId(c.state.index),
    ModificationTimestamp: (c) => isoMs(c.state.modifiedMs),
    PhotosChangeTimestamp: (c) => isoMs(c.state.photosMs),
    PhotosCount: () => opts.mediaPerRecord,
    StatusChangeTimestamp: (c) => isoMs(c.state.modifiedMs - (h(c, 30, true) % (90 * DAY_MS))),
    PriceChangeTimestamp: (c) => isoMs(c.state.modifiedMs - (h(c, 31, true) % (120 * DAY_MS))),
    OriginalEntryTimestamp: (c) => isoMs(enteredMs(c)),
    ListingContractDate: (c) => isoDate(enteredMs(c) - DAY_MS),
    StandardStatus: status,
    MlsStatus: status,
    ListPrice: (c) => roundTo(basePrice(c) * (1 - 0.01 * (c.version % 6)), 2),
    OriginalListPrice: basePrice,
    PropertyType: (c) => (types.length > 0 ? pick(types, h(c, 13) % 10 < 7 ? residential : h(c, 14)) : null),
    OriginatingSystemName: () => 'SIM',
    City: city,
    PostalCity: city,
    StateOrProvince: state,
    PostalCode: zip,
    Country: () => (enumMembers('Country').includes('US') ? 'US' : null),
    CountyOrParish: (c) => pick(COUNTIES, h(c, 26)),
    StreetNumber: streetNumber,
    StreetName: streetName,
    StreetSuffix: suffix,
    UnparsedAddress: (c) => `${streetNumber(c)} ${streetName(c)} ${suffix(c)}, ${city(c)}, ${state(c) ?? ''} ${zip(c)}`,
    Latitude: (c) => roundTo(25 + unit(h(c, 27)) * 24, 6),
    Longitude: (c) => roundTo(-124 + unit(h(c, 28)) * 57, 6),
    BedroomsTotal: (c) => 1 + (h(c, 40) % 6),
    BathroomsTotalInteger: (c) => 1 + (h(c, 41) % 4),
    LivingArea: (c) => 500 + (h(c, 42) % 4500),
    YearBuilt: (c) => 1900 + (h(c, 43) % 125),
    ListAgentKey: (c) => `M${h(c, 44) % 5000}`,
    ListOfficeKey: (c) => `O${h(c, 45) % 500}`,
    PublicRemarks: (c) => words(h(c, 46, true), 20 + (h(c, 47) % 30)),
  };
}

function mediaSpecials(type: SimEntityType, opts: GeneratorOptions): Specials {
  const members = (name: string): string[] => type.byName.get(name)?.enum?.members ?? [];
  const has = (name: string, member: string): string | null => (members(name).includes(member) ? member : null);
  const base = opts.mediaBaseUrl ?? 'https://media.example.com';
  return {
    MediaKey: (c) => mediaKey(c.state.index, c.order),
    ResourceName: () => has('ResourceName', 'Property'),
    ResourceRecordKey: (c) => listingKey(c.state.index),
    ResourceRecordID: (c) => listingId(c.state.index),
    MediaURL: (c) => `${base}/${listingKey(c.state.index)}/${c.order}.jpg?v=${c.state.photosMs.toString(36)}`,
    Order: (c) => c.order,
    ModificationTimestamp: (c) => isoMs(c.state.photosMs),
    MediaModificationTimestamp: (c) => isoMs(c.state.photosMs),
    MediaCategory: () => has('MediaCategory', 'Photo'),
    MediaType: () => has('MediaType', 'Jpeg'),
    PreferredPhotoYN: (c) => c.order === 1,
    ImageWidth: () => 1024,
    ImageHeight: () => 768,
    OriginatingSystemName: () => 'SIM',
  };
}

function createGenerator(type: SimEntityType, seed: number, specials: Specials): EntityGenerator {
  const gens = new Map<string, FieldGen>();
  for (const field of type.fields) gens.set(field.name, specials[field.name] ?? genericGen(type.name, field, seed));
  const all = type.fields.map((f) => f.name);
  const genOf = (name: string): FieldGen => {
    const g = gens.get(name);
    if (!g) throw new Error(`${type.name} has no field ${name}`);
    return g;
  };
  return {
    type,
    value: (field, ctx) => genOf(field)(ctx),
    record(ctx, fields = all) {
      const out: Record<string, unknown> = {};
      for (const name of fields) out[name] = genOf(name)(ctx);
      return out;
    },
  };
}

export function createPropertyGenerator(type: SimEntityType, opts: GeneratorOptions): EntityGenerator {
  return createGenerator(type, opts.seed, propertySpecials(type, opts));
}

export function createMediaGenerator(type: SimEntityType, opts: GeneratorOptions): EntityGenerator {
  return createGenerator(type, opts.seed, mediaSpecials(type, opts));
}
