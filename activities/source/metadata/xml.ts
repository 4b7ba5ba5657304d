/**
 * A thin, typed view over fast-xml-parser's output, so the EDMX reader never has to care whether
 * an element occurred once or many times, or whether it was empty.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { MetadataError } from './errors';

/** An element: its attributes (always strings) and its child elements by local name. */
export interface XmlElement {
  attrs: Record<string, string>;
  children: Record<string, XmlElement[]>;
  /** Concatenated text content, trimmed; `''` when there is none. */
  text: string;
}

// A group name that cannot collide with an element name (EDMX has both a `String` attribute and
// a `<String>` element on annotations).
const ATTRS = ':@';
const TEXT = '#text';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: ATTRS,
  textNodeName: TEXT,
  // EDMX mixes the `edmx:` prefix with a default namespace; local names are all we need.
  removeNSPrefix: true,
  // Every element becomes an array, so one `<Schema>` and five look the same.
  isArray: (_name, _path, _isLeaf, isAttribute) => !isAttribute,
  // Keep every value a string: Int64 flag values exceed 2^53 and would silently lose digits.
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
});

/**
 * The EDMX/CSDL element and attribute names the reader looks for. XML names are case-sensitive,
 * but vendors do publish `<edmx:Dataservices>` or `<PropertyRef name="…">`; a name that matches
 * one of these only when case is ignored is read as that one, and the mismatch is reported.
 */
const ELEMENT_NAMES = [
  'Edmx',
  'DataServices',
  'Schema',
  'EntityType',
  'ComplexType',
  'EnumType',
  'TypeDefinition',
  'Key',
  'PropertyRef',
  'Property',
  'NavigationProperty',
  'Member',
  'EntityContainer',
  'EntitySet',
  'Annotations',
  'Annotation',
  'String',
];
const ATTRIBUTE_NAMES = [
  'Name',
  'Type',
  'Namespace',
  'Alias',
  'EntityType',
  'BaseType',
  'Nullable',
  'MaxLength',
  'Precision',
  'Scale',
  'UnderlyingType',
  'IsFlags',
  'Value',
  'Term',
  'Target',
  'String',
  'OpenType',
  'Abstract',
];

/** Known names by their lower-case form. */
function byLowerCase(names: readonly string[]): Map<string, string> {
  return new Map(names.map((n) => [n.toLowerCase(), n]));
}
const ELEMENTS = byLowerCase(ELEMENT_NAMES);
const ATTRIBUTES = byLowerCase(ATTRIBUTE_NAMES);

/** Names read under another case: `element:Dataservices` → `DataServices`, with how often. */
type CaseFixes = Map<string, { to: string; count: number }>;

function canonicalName(name: string, known: Map<string, string>, kind: 'element' | 'attribute', fixes: CaseFixes): string {
  const canonical = known.get(name.toLowerCase());
  if (canonical === undefined || canonical === name) return name;
  const slot = `${kind} ${name}`;
  const seen = fixes.get(slot);
  if (seen) seen.count += 1;
  else fixes.set(slot, { to: canonical, count: 1 });
  return canonical;
}

function caseFixProblems(fixes: CaseFixes): string[] {
  return [...fixes].map(([slot, { to, count }]) => {
    const [kind, name] = slot.split(' ') as [string, string];
    const written = kind === 'element' ? `<${name}>` : `${name}="…"`;
    const read = kind === 'element' ? `<${to}>` : to;
    const times = count === 1 ? '' : ` (${count} times)`;
    return `${kind} ${written} read as ${read}: names are case-sensitive${times}`;
  });
}

/**
 * Parses a whole document; throws `MetadataError` when it is not well-formed XML. Element and
 * attribute names written in the wrong case are corrected, each described once in `problems`.
 */
export function parseXml(xml: string, problems: string[] = []): XmlElement {
  // A UTF-8 BOM is common in files saved by Windows tools; it is not part of the document.
  const source = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  // The parser itself is lenient (a truncated download parses "fine"), so validate first: a
  // half-read document must not turn into a model that silently lacks resources.
  const verdict = XMLValidator.validate(source);
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    const where = col === undefined ? `line ${line}` : `line ${line}, column ${col}`;
    throw new MetadataError(`metadata is not well-formed XML (${where}): ${msg}`);
  }
  const raw: unknown = parser.parse(source);
  const fixes: CaseFixes = new Map();
  const document = toElement(raw, fixes);
  problems.push(...caseFixProblems(fixes));
  return document;
}

function toElement(raw: unknown, fixes: CaseFixes): XmlElement {
  const element: XmlElement = { attrs: {}, children: {}, text: '' };
  // Empty elements come back as `''`, text-only ones as a bare string.
  if (typeof raw === 'string') {
    element.text = raw;
    return element;
  }
  if (raw === null || typeof raw !== 'object') return element;
  for (const [key, value] of Object.entries(raw)) {
    if (key === ATTRS) {
      element.attrs = toAttributes(value, fixes);
    } else if (key === TEXT) {
      element.text = Array.isArray(value) ? value.map(String).join('') : String(value);
    } else {
      const name = canonicalName(key, ELEMENTS, 'element', fixes);
      const list = (Array.isArray(value) ? value : [value]).map((v) => toElement(v, fixes));
      // `<Property>` and `<property>` siblings both end up under Property, in document order
      // as far as each group goes.
      const existing = Object.hasOwn(element.children, name) ? element.children[name] : undefined;
      element.children[name] = existing ? [...existing, ...list] : list;
    }
  }
  return element;
}

function toAttributes(value: unknown, fixes: CaseFixes): Record<string, string> {
  const attrs: Record<string, string> = {};
  if (value === null || typeof value !== 'object') return attrs;
  for (const [name, v] of Object.entries(value)) {
    const canonical = canonicalName(name, ATTRIBUTES, 'attribute', fixes);
    // When both spellings are present, the correctly spelled one wins.
    if (canonical !== name && Object.hasOwn(value, canonical)) continue;
    attrs[canonical] = String(v);
  }
  return attrs;
}

/** The child elements with the given local name (empty when there are none). */
export function childrenOf(element: XmlElement, name: string): XmlElement[] {
  // `hasOwn` so that a name such as `constructor` never reaches Object.prototype.
  return Object.hasOwn(element.children, name) ? (element.children[name] ?? []) : [];
}
