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

/** Parses a whole document; throws `MetadataError` when it is not well-formed XML. */
export function parseXml(xml: string): XmlElement {
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
  return toElement(raw);
}

function toElement(raw: unknown): XmlElement {
  const element: XmlElement = { attrs: {}, children: {}, text: '' };
  // Empty elements come back as `''`, text-only ones as a bare string.
  if (typeof raw === 'string') {
    element.text = raw;
    return element;
  }
  if (raw === null || typeof raw !== 'object') return element;
  for (const [key, value] of Object.entries(raw)) {
    if (key === ATTRS) {
      element.attrs = toAttributes(value);
    } else if (key === TEXT) {
      element.text = Array.isArray(value) ? value.map(String).join('') : String(value);
    } else {
      const list = Array.isArray(value) ? value : [value];
      element.children[key] = list.map(toElement);
    }
  }
  return element;
}

function toAttributes(value: unknown): Record<string, string> {
  const attrs: Record<string, string> = {};
  if (value === null || typeof value !== 'object') return attrs;
  for (const [name, v] of Object.entries(value)) attrs[name] = String(v);
  return attrs;
}

/** The child elements with the given local name (empty when there are none). */
export function childrenOf(element: XmlElement, name: string): XmlElement[] {
  // `hasOwn` so that a name such as `constructor` never reaches Object.prototype.
  return Object.hasOwn(element.children, name) ? (element.children[name] ?? []) : [];
}
