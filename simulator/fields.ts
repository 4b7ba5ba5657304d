/**
 * The simulator's minimal view of its own `$metadata`: per entity type, the fields with just
 * enough type information to generate values, validate `$select`/`$orderby` and type `$filter`
 * comparisons. Deliberately independent of the product's EDMX parser, so that a parser bug can
 * never hide itself by shaping the data the parser is tested against.
 */
import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { fromRoot } from '../scripts/lib/paths';

/** How a field's values look in JSON and compare in `$filter`. */
export type FieldKind = 'string' | 'boolean' | 'integer' | 'decimal' | 'double' | 'date' | 'datetime' | 'enum' | 'other';

export interface EnumInfo {
  /** Unqualified name, e.g. `StandardStatus`. */
  name: string;
  /** Namespace-qualified name used in typed literals, e.g. `org.reso.metadata.enums.StandardStatus`. */
  qualifiedName: string;
  members: string[];
}

export interface SimField {
  name: string;
  /** Element type as declared (`Edm.String`, `org.reso.metadata.enums.X`), without `Collection(...)`. */
  type: string;
  kind: FieldKind;
  collection: boolean;
  nullable: boolean;
  enum?: EnumInfo;
  maxLength?: number;
  precision?: number;
  scale?: number;
}

export interface SimEntityType {
  name: string;
  key: string;
  fields: SimField[];
  byName: ReadonlyMap<string, SimField>;
  /** Names of navigation properties (only `Media` on Property in the shipped document). */
  navigation: string[];
}

export interface SimSchema {
  /** Namespace of the entity types (`org.reso.metadata`). */
  namespace: string;
  entityTypes: ReadonlyMap<string, SimEntityType>;
  enums: ReadonlyMap<string, EnumInfo>;
}

const EDM_KINDS: Record<string, FieldKind> = {
  'Edm.String': 'string',
  'Edm.Boolean': 'boolean',
  'Edm.Byte': 'integer',
  'Edm.SByte': 'integer',
  'Edm.Int16': 'integer',
  'Edm.Int32': 'integer',
  'Edm.Int64': 'integer',
  'Edm.Decimal': 'decimal',
  'Edm.Double': 'double',
  'Edm.Single': 'double',
  'Edm.Date': 'date',
  'Edm.DateTimeOffset': 'datetime',
};

interface RawAttrs {
  [key: string]: unknown;
}

const ARRAY_TAGS = new Set(['Schema', 'EntityType', 'Property', 'NavigationProperty', 'EnumType', 'Member', 'PropertyRef']);

function intAttr(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

function list(value: unknown): RawAttrs[] {
  return Array.isArray(value) ? (value as RawAttrs[]) : [];
}

export function parseSimSchema(xml: string): SimSchema {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    parseAttributeValue: false,
    isArray: (tag) => ARRAY_TAGS.has(tag),
  });
  const doc = parser.parse(xml) as RawAttrs;
  const services = (doc.Edmx as RawAttrs | undefined)?.DataServices as RawAttrs | undefined;
  const schemas = list(services?.Schema);

  const enums = new Map<string, EnumInfo>();
  for (const schema of schemas) {
    for (const e of list(schema.EnumType)) {
      const qualifiedName = `${String(schema['@Namespace'])}.${String(e['@Name'])}`;
      enums.set(qualifiedName, {
        name: String(e['@Name']),
        qualifiedName,
        members: list(e.Member).map((m) => String(m['@Name'])),
      });
    }
  }

  const entityTypes = new Map<string, SimEntityType>();
  let namespace = '';
  for (const schema of schemas) {
    for (const t of list(schema.EntityType)) {
      namespace = String(schema['@Namespace']);
      const fields = list(t.Property).map((p): SimField => {
        const declared = String(p['@Type']);
        const inner = /^Collection\((.+)\)$/.exec(declared)?.[1];
        const type = inner ?? declared;
        const enumInfo = enums.get(type);
        const field: SimField = {
          name: String(p['@Name']),
          type,
          kind: enumInfo ? 'enum' : (EDM_KINDS[type] ?? 'other'),
          collection: inner !== undefined,
          nullable: p['@Nullable'] !== 'false',
        };
        if (enumInfo) field.enum = enumInfo;
        const maxLength = intAttr(p['@MaxLength']);
        if (maxLength !== undefined) field.maxLength = maxLength;
        const precision = intAttr(p['@Precision']);
        if (precision !== undefined) field.precision = precision;
        const scale = intAttr(p['@Scale']);
        if (scale !== undefined) field.scale = scale;
        return field;
      });
      const keyRef = list((t.Key as RawAttrs | undefined)?.PropertyRef)[0];
      entityTypes.set(String(t['@Name']), {
        name: String(t['@Name']),
        key: String(keyRef?.['@Name'] ?? ''),
        fields,
        byName: new Map(fields.map((f) => [f.name, f])),
        navigation: list(t.NavigationProperty).map((n) => String(n['@Name'])),
      });
    }
  }
  return { namespace, entityTypes, enums };
}

const METADATA_PATH = fromRoot('simulator', 'metadata', 'property-media.xml');

let cachedXml: string | undefined;
let cachedSchema: SimSchema | undefined;

/** The shipped `$metadata` document, read once. */
export function metadataXml(): string {
  cachedXml ??= readFileSync(METADATA_PATH, 'utf8');
  return cachedXml;
}

/** The shipped document, parsed once (parsing ~0.5 MB of XML takes tens of milliseconds). */
export function simSchema(): SimSchema {
  cachedSchema ??= parseSimSchema(metadataXml());
  return cachedSchema;
}

export function entityType(schema: SimSchema, name: string): SimEntityType {
  const t = schema.entityTypes.get(name);
  if (!t) throw new Error(`the simulator metadata has no entity type ${name}`);
  return t;
}

/**
 * The document with extra properties declared on the given entity types (right after their key),
 * for platforms that add fields of their own (MLS Grid's `MlgCanView`).
 */
export function withExtraFields(
  xml: string,
  fields: Record<string, string>,
  entityTypes: readonly string[] = ['Property', 'Media'],
): string {
  const names = Object.keys(fields);
  if (names.length === 0) return xml;
  let out = xml;
  for (const type of entityTypes) {
    const start = out.indexOf(`<EntityType Name="${type}"`);
    if (start < 0) continue;
    const keyEnd = out.indexOf('</Key>', start);
    if (keyEnd < 0) continue;
    const at = keyEnd + '</Key>'.length;
    const declared = names.map((n) => `\n        <Property Name="${n}" Type="${fields[n]}"/>`).join('');
    out = out.slice(0, at) + declared + out.slice(at);
  }
  return out;
}
