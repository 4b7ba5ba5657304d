/**
 * The few vocabulary annotations resync cares about. Terms are matched on their last segment so
 * that `RESO.OData.Metadata.LookupName` is recognised whatever alias a server gives the RESO
 * vocabulary.
 */
import { childrenOf } from './xml';
import type { XmlElement } from './xml';
import { unqualified } from './typeref';

const LOOKUP_NAME_TERM = 'LookupName';

/** An annotation's string value: `String="…"` or, in the element form, `<String>…</String>`. */
function stringValue(annotation: XmlElement): string | undefined {
  const value = annotation.attrs.String ?? childrenOf(annotation, 'String')[0]?.text;
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function lookupNameIn(annotations: readonly XmlElement[]): string | undefined {
  for (const annotation of annotations) {
    const term = annotation.attrs.Term;
    if (term !== undefined && unqualified(term) === LOOKUP_NAME_TERM) {
      const value = stringValue(annotation);
      if (value !== undefined) return value;
    }
  }
  return undefined;
}

/** The `LookupName` annotation written inside a `<Property>`, if any. */
export function inlineLookupName(property: XmlElement): string | undefined {
  return lookupNameIn(childrenOf(property, 'Annotation'));
}

/** Key for out-of-line annotations: unqualified type name and property name. */
export function lookupKey(typeName: string, propertyName: string): string {
  return `${typeName}/${propertyName}`;
}

/**
 * `LookupName` annotations given out of line, in `<Annotations Target="NS.Type/Field">` blocks,
 * keyed by {@link lookupKey}. Servers that generate metadata from a separate vocabulary file tend
 * to use this form rather than nesting annotations in each property.
 */
export function externalLookupNames(schemas: readonly XmlElement[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const schema of schemas) {
    for (const block of childrenOf(schema, 'Annotations')) {
      const target = block.attrs.Target?.trim();
      const slash = target?.indexOf('/') ?? -1;
      if (target === undefined || slash <= 0) continue;
      const typeName = unqualified(target.slice(0, slash));
      const propertyName = target.slice(slash + 1);
      const value = lookupNameIn(childrenOf(block, 'Annotation'));
      if (value !== undefined) found.set(lookupKey(typeName, propertyName), value);
    }
  }
  return found;
}
