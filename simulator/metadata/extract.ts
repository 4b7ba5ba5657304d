/**
 * Carves the simulator's own `$metadata` document out of the RESO Data Dictionary 2.0 fixture:
 * the `Property` and `Media` entity types (every field), the enum types they use, and a container
 * with the two entity sets. Run it whenever the fixture changes:
 *
 *   npx tsx simulator/metadata/extract.ts [fixtureDir] [outFile]
 *
 * The output is committed (simulator/metadata/property-media.xml) so that the simulator never
 * depends on the shared fixtures at runtime.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/** fast-xml-parser's `preserveOrder` node: one element name → children, plus attributes under `:@`. */
type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const ORDERED_XML = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  commentPropName: '#comment',
  // Keep `&amp;` etc. exactly as written, so the carve-out is byte-faithful to the fixture.
  processEntities: false,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
} as const;

const ENTITY_TYPES = ['Property', 'Media'] as const;
/** The only navigation kept: the others point at entity types the simulator does not serve. */
const KEPT_NAVIGATION: Record<string, string[]> = { Property: ['Media'], Media: [] };

function tagOf(node: XmlNode): string {
  const tag = Object.keys(node).find((k) => k !== ':@');
  if (!tag) throw new Error('XML node without a tag');
  return tag;
}

function childrenOf(node: XmlNode): XmlNode[] {
  return node[tagOf(node)] as XmlNode[];
}

function attr(node: XmlNode, name: string): string | undefined {
  return node[':@']?.[name];
}

function findAll(nodes: XmlNode[], tag: string): XmlNode[] {
  return nodes.filter((n) => tagOf(n) === tag);
}

function findOne(nodes: XmlNode[], tag: string, name?: string): XmlNode {
  const hit = nodes.find((n) => tagOf(n) === tag && (name === undefined || attr(n, 'Name') === name));
  if (!hit) throw new Error(`element <${tag}${name ? ` Name="${name}"` : ''}> not found`);
  return hit;
}

function el(tag: string, attrs: Record<string, string>, children: XmlNode[] = []): XmlNode {
  return { [tag]: children, ':@': attrs };
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function schemas(doc: XmlNode[]): XmlNode[] {
  const edmx = findOne(doc, 'edmx:Edmx');
  const services = findOne(childrenOf(edmx), 'edmx:DataServices');
  return findAll(childrenOf(services), 'Schema');
}

/** `Collection(ns.X)` → `ns.X`. */
function elementType(type: string): string {
  const m = /^Collection\((.+)\)$/.exec(type);
  return m?.[1] ?? type;
}

/**
 * Field declarations from the DD's "lookup resource" variant, by entity and field name. The enum
 * variant references some enum types it never defines (City, CountyOrParish, schools, MlsStatus…:
 * the DD leaves those lists to each MLS). Those fields take the string declaration the lookup
 * variant gives them, so the carved document stays self-consistent.
 */
function lookupDeclarations(xml: string): Map<string, Record<string, string>> {
  const doc = new XMLParser(ORDERED_XML).parse(xml) as XmlNode[];
  const out = new Map<string, Record<string, string>>();
  for (const schema of schemas(doc)) {
    for (const type of findAll(childrenOf(schema), 'EntityType')) {
      for (const prop of findAll(childrenOf(type), 'Property')) {
        out.set(`${attr(type, 'Name')}.${attr(prop, 'Name')}`, { ...prop[':@'] });
      }
    }
  }
  return out;
}

export interface ExtractResult {
  xml: string;
  fieldCounts: Record<string, number>;
  enumTypes: string[];
  /** Fields whose enum type the fixture does not define, now declared as strings. */
  retyped: string[];
  /** Fields added because the fixture lacked them. */
  added: string[];
}

export function extractPropertyMedia(enumXml: string, lookupXml: string): ExtractResult {
  const doc = new XMLParser(ORDERED_XML).parse(enumXml) as XmlNode[];
  const all = schemas(doc);
  const entitySchema = all.find((s) => findAll(childrenOf(s), 'EntityType').some((t) => attr(t, 'Name') === 'Property'));
  if (!entitySchema) throw new Error('no schema declares EntityType Property');
  const entityNs = attr(entitySchema, 'Namespace') ?? '';
  const enumSchema = all.find((s) => findAll(childrenOf(s), 'EnumType').length > 0);
  if (!enumSchema) throw new Error('no schema declares enum types');
  const enumNs = attr(enumSchema, 'Namespace') ?? '';
  const definedEnums = new Map(findAll(childrenOf(enumSchema), 'EnumType').map((e) => [attr(e, 'Name') ?? '', e]));
  const lookups = lookupDeclarations(lookupXml);

  const retyped: string[] = [];
  const added: string[] = [];
  const usedEnums = new Set<string>();
  const fieldCounts: Record<string, number> = {};
  const entityTypes: XmlNode[] = [];

  for (const name of ENTITY_TYPES) {
    const type = clone(findOne(childrenOf(entitySchema), 'EntityType', name));
    const keep = KEPT_NAVIGATION[name] ?? [];
    let children = childrenOf(type).filter((c) => tagOf(c) !== 'NavigationProperty' || keep.includes(attr(c, 'Name') ?? ''));

    // DD 2.0 has Media.ResourceRecordKey; older fixtures may not, and the simulator needs it.
    if (name === 'Media' && !children.some((c) => tagOf(c) === 'Property' && attr(c, 'Name') === 'ResourceRecordKey')) {
      const props = children.filter((c) => tagOf(c) === 'Property');
      const after = props.filter((p) => (attr(p, 'Name') ?? '') < 'ResourceRecordKey').at(-1);
      const at = after ? children.indexOf(after) + 1 : children.length;
      children.splice(at, 0, el('Property', { Name: 'ResourceRecordKey', Type: 'Edm.String', MaxLength: '255' }));
      added.push('Media.ResourceRecordKey');
    }

    children = children.map((c) => {
      if (tagOf(c) !== 'Property') return c;
      const typeName = attr(c, 'Type') ?? '';
      const inner = elementType(typeName);
      if (!inner.startsWith(`${enumNs}.`)) return c;
      const enumName = inner.slice(enumNs.length + 1);
      if (definedEnums.has(enumName)) {
        usedEnums.add(enumName);
        return c;
      }
      const fieldName = attr(c, 'Name') ?? '';
      const decl = lookups.get(`${name}.${fieldName}`);
      const isCollection = typeName !== inner;
      const attrs: Record<string, string> = {
        Name: fieldName,
        Type: decl?.Type ?? (isCollection ? 'Collection(Edm.String)' : 'Edm.String'),
      };
      if (decl?.Nullable ?? c[':@']?.Nullable) attrs.Nullable = (decl?.Nullable ?? c[':@']?.Nullable) as string;
      attrs.MaxLength = decl?.MaxLength ?? '255';
      retyped.push(`${name}.${fieldName}`);
      return el('Property', attrs);
    });
    type.EntityType = children;
    fieldCounts[name] = children.filter((c) => tagOf(c) === 'Property').length;
    entityTypes.push(type);
  }

  const containerName = attr(findOne(childrenOf(entitySchema), 'EntityContainer'), 'Name') ?? 'Default';
  const container = el('EntityContainer', { Name: containerName }, [
    el('EntitySet', { Name: 'Property', EntityType: `${entityNs}.Property` }, [
      el('NavigationPropertyBinding', { Path: 'Media', Target: 'Media' }),
    ]),
    el('EntitySet', { Name: 'Media', EntityType: `${entityNs}.Media` }),
  ]);

  const enumTypes = [...usedEnums].sort();
  const out: XmlNode[] = [
    { '?xml': [{ '#text': '' }], ':@': { version: '1.0', encoding: 'UTF-8' } },
    {
      '#comment': [
        {
          '#text':
            ' Generated by simulator/metadata/extract.ts from the RESO Data Dictionary 2.0 fixture ' +
            '(enum variant; undefined open lookups typed as in the lookup-resource variant). Do not edit by hand. ',
        },
      ],
    },
    el('edmx:Edmx', { Version: '4.0', 'xmlns:edmx': 'http://docs.oasis-open.org/odata/ns/edmx' }, [
      el('edmx:DataServices', {}, [
        el('Schema', { ...entitySchema[':@'] }, [...entityTypes, container]),
        el(
          'Schema',
          { ...enumSchema[':@'] },
          enumTypes.map((n) => clone(definedEnums.get(n) as XmlNode)),
        ),
      ]),
    ]),
  ];
  const xml = new XMLBuilder({ ...ORDERED_XML, format: true, indentBy: '  ', suppressEmptyNode: true }).build(out) as string;
  return { xml: xml.trimStart(), fieldCounts, enumTypes, retyped, added };
}

function main(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const fixtures = resolve(process.argv[2] ?? join(here, '../../test/fixtures/metadata'));
  const outFile = resolve(process.argv[3] ?? join(here, 'property-media.xml'));
  const result = extractPropertyMedia(
    readFileSync(join(fixtures, 'reso-dd-2.0-enum.xml'), 'utf8'),
    readFileSync(join(fixtures, 'reso-dd-2.0-lookup-resource.xml'), 'utf8'),
  );
  writeFileSync(outFile, result.xml);
  console.log(
    JSON.stringify(
      { outFile, fields: result.fieldCounts, enumTypes: result.enumTypes.length, retyped: result.retyped, added: result.added },
      null,
      2,
    ),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
