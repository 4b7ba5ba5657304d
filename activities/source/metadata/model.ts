/**
 * The resource model: what resync knows about an MLS's data after reading its `$metadata`.
 * It is namespace-agnostic (names are stored without their schema namespace) so that a platform
 * renaming its namespace (CoreLogic → Cotality) changes nothing downstream.
 */

/** Primitive OData types resync understands. Anything else is reported as `unknown`. */
export const EDM_PRIMITIVES = [
  'Edm.String',
  'Edm.Boolean',
  'Edm.Byte',
  'Edm.SByte',
  'Edm.Int16',
  'Edm.Int32',
  'Edm.Int64',
  'Edm.Decimal',
  'Edm.Double',
  'Edm.Single',
  'Edm.Date',
  'Edm.DateTimeOffset',
  'Edm.TimeOfDay',
  'Edm.Duration',
  'Edm.Guid',
  'Edm.Binary',
  'Edm.Stream',
  'Edm.GeographyPoint',
  'Edm.GeometryPoint',
] as const;

export type EdmPrimitive = (typeof EDM_PRIMITIVES)[number];

export type FieldType =
  | { kind: 'primitive'; name: EdmPrimitive }
  /** `name` is the enum type's unqualified name; look it up in `EdmModel.enumTypes`. */
  | { kind: 'enum'; name: string }
  /** `name` is the complex type's unqualified name; look it up in `EdmModel.complexTypes`. */
  | { kind: 'complex'; name: string }
  /** A type resync could not resolve; `raw` is the type string exactly as the metadata had it. */
  | { kind: 'unknown'; raw: string };

export interface FieldModel {
  name: string;
  type: FieldType;
  /** `Collection(...)` in the metadata: the value is a JSON array. */
  collection: boolean;
  nullable: boolean;
  /** Characters for strings; `'max'` when the metadata says `MaxLength="max"`. */
  maxLength?: number | 'max';
  precision?: number;
  /** `'variable'` when the metadata says `Scale="variable"`. */
  scale?: number | 'variable';
  /**
   * RESO "lookup resource" style (DD 2.0): a string field whose values come from the Lookup
   * resource, declared through an `RESO.OData.Metadata.LookupName` annotation.
   */
  lookupName?: string;
}

export interface NavigationModel {
  name: string;
  /** Unqualified name of the target entity type. */
  targetType: string;
  collection: boolean;
}

export interface EntityTypeModel {
  /** Unqualified entity type name, e.g. `Property`. */
  name: string;
  namespace: string;
  /** Key property names from `<Key><PropertyRef>`; empty when the metadata declares none. */
  key: string[];
  fields: FieldModel[];
  navigation: NavigationModel[];
  openType: boolean;
}

export interface EnumMemberModel {
  name: string;
  /** As written in the metadata; Int64 flag values may exceed 2^53, so they stay strings. */
  value?: string;
}

export interface EnumTypeModel {
  name: string;
  namespace: string;
  underlyingType: string;
  isFlags: boolean;
  members: EnumMemberModel[];
}

export interface ComplexTypeModel {
  name: string;
  namespace: string;
  fields: FieldModel[];
}

export interface EntitySetModel {
  /** The name used in URLs (`/Property`, or `/Properties` on some servers). */
  name: string;
  /** Unqualified entity type name. */
  entityType: string;
}

export interface EdmModel {
  namespaces: string[];
  entityTypes: Record<string, EntityTypeModel>;
  enumTypes: Record<string, EnumTypeModel>;
  complexTypes: Record<string, ComplexTypeModel>;
  entitySets: EntitySetModel[];
  /** Everything the parser saw but could not understand, one sentence each, naming the element. */
  problems: string[];
}
