/** Turns one `<Property>` element into a `FieldModel`, reporting (never throwing on) oddities. */
import type { FieldModel, FieldType } from './model';
import type { XmlElement } from './xml';
import type { Declarations } from './declarations';
import { asPrimitive, isEdmNamespace, parseTypeRef } from './typeref';
import type { TypeRef } from './typeref';
import { inlineLookupName, lookupKey } from './annotations';
import { memberProblem } from './problems';

export interface FieldContext {
  declarations: Declarations;
  /** Out-of-line `LookupName` annotations, see `externalLookupNames`. */
  externalLookups: ReadonlyMap<string, string>;
  problems: string[];
}

/** Declared by some servers instead of a concrete enum, with the enum named by `LookupName`. */
const GENERIC_ENUM = 'Edm.EnumType';

/**
 * @param owner how problems name the owning type (`Property`, `complex type Resource`)
 * @param typeName unqualified owning type name, for out-of-line annotations
 */
export function buildField(owner: string, typeName: string, element: XmlElement, ctx: FieldContext): FieldModel | undefined {
  const name = element.attrs.Name?.trim();
  if (!name) {
    ctx.problems.push(`${owner}: a <Property> without a Name was ignored`);
    return undefined;
  }
  const report = (message: string): void => {
    ctx.problems.push(memberProblem(owner, name, message));
  };

  const ref = parseTypeRef(element.attrs.Type ?? '');
  const lookupName = inlineLookupName(element) ?? ctx.externalLookups.get(lookupKey(typeName, name));
  const { type, facets } = resolveFieldType(ref, lookupName, ctx.declarations, report);
  // Facets written on the property override those inherited from a TypeDefinition.
  const attrs = { ...facets, ...element.attrs };

  const field: FieldModel = {
    name,
    type,
    collection: ref.collection,
    nullable: parseNullable(attrs.Nullable, report),
  };
  const maxLength = parseMaxLength(attrs.MaxLength, report);
  if (maxLength !== undefined) field.maxLength = maxLength;
  const precision = parseCount('Precision', attrs.Precision, report);
  if (precision !== undefined) field.precision = precision;
  const scale = parseScale(attrs.Scale, report);
  if (scale !== undefined) field.scale = scale;
  if (lookupName !== undefined) field.lookupName = lookupName;
  return field;
}

interface Resolved {
  type: FieldType;
  /** Facet attributes carried by a TypeDefinition the property refers to. */
  facets: Record<string, string>;
}

function resolveFieldType(
  ref: TypeRef,
  lookupName: string | undefined,
  declarations: Declarations,
  report: (message: string) => void,
): Resolved {
  const unknown = (message: string): Resolved => {
    report(message);
    return { type: { kind: 'unknown', raw: ref.raw }, facets: {} };
  };
  if (ref.qualified === '') return unknown('no Type declared');

  if (isEdmNamespace(ref.qualified)) {
    const primitive = asPrimitive(ref.qualified);
    if (primitive) return { type: { kind: 'primitive', name: primitive }, facets: {} };
    if (ref.qualified !== GENERIC_ENUM) return unknown(`unsupported type "${ref.raw}"`);
    if (lookupName === undefined) {
      return unknown(`type "${ref.raw}" without a LookupName annotation names no enum`);
    }
    // Values of a lookup-backed field travel as strings unless the document also declares the
    // enum itself.
    const declared = declarations.resolve(lookupName, ['enum']);
    return declared?.kind === 'enum'
      ? { type: { kind: 'enum', name: declared.name }, facets: {} }
      : { type: { kind: 'primitive', name: 'Edm.String' }, facets: {} };
  }

  const declared = declarations.resolve(ref.qualified, ['enum', 'complex', 'typedef', 'entity']);
  switch (declared?.kind) {
    case 'enum':
      return { type: { kind: 'enum', name: declared.name }, facets: {} };
    case 'complex':
      return { type: { kind: 'complex', name: declared.name }, facets: {} };
    case 'typedef': {
      // A TypeDefinition is a named primitive; resync only needs the primitive.
      const underlying = declared.element.attrs.UnderlyingType?.trim() ?? '';
      const primitive = asPrimitive(underlying);
      if (!primitive) {
        return unknown(`type "${ref.raw}" is defined on unsupported type "${underlying}"`);
      }
      return { type: { kind: 'primitive', name: primitive }, facets: declared.element.attrs };
    }
    case 'entity':
      return unknown(`type "${ref.raw}" is an entity type, which only a NavigationProperty may refer to`);
    case undefined:
      return unknown(`unknown type "${ref.raw}"`);
  }
}

function parseNullable(value: string | undefined, report: (m: string) => void): boolean {
  if (value === undefined) return true;
  const normalized = value.trim().toLowerCase();
  if (normalized === 'false') return false;
  if (normalized !== 'true') report(`Nullable "${value}" is neither true nor false; assuming true`);
  return true;
}

const NON_NEGATIVE_INTEGER = /^\d+$/;

function parseCount(facet: string, value: string | undefined, report: (m: string) => void): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (NON_NEGATIVE_INTEGER.test(trimmed)) return Number(trimmed);
  report(`${facet} "${value}" is not a non-negative integer; ignored`);
  return undefined;
}

function parseMaxLength(value: string | undefined, report: (m: string) => void): number | 'max' | undefined {
  if (value !== undefined && value.trim().toLowerCase() === 'max') return 'max';
  return parseCount('MaxLength', value, report);
}

function parseScale(value: string | undefined, report: (m: string) => void): number | 'variable' | undefined {
  if (value !== undefined && value.trim().toLowerCase() === 'variable') return 'variable';
  return parseCount('Scale', value, report);
}
