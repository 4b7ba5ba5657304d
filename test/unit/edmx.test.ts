import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MetadataError,
  cursorFields,
  findEntityType,
  generalProblems,
  parseEdmx,
  resolveResource,
  ResourceUnusable,
  summarizeResources,
  unusableReason,
} from '../../activities/source/metadata';
import { planTable } from '../../activities/destinations/mysql/schema';
import type { EdmModel, EntityTypeModel, FieldModel } from '../../activities/source/metadata';

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/metadata/${name}.xml`, import.meta.url), 'utf8');
}

const parsed = new Map<string, EdmModel>();

/** Parses a fixture once per test file; several tests look at the same large documents. */
function fixtureModel(name: string): EdmModel {
  let found = parsed.get(name);
  if (!found) {
    found = parseEdmx(fixture(name));
    parsed.set(name, found);
  }
  return found;
}

/** Wraps schema elements in the EDMX envelope. */
function edmx(schemas: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>${schemas}</edmx:DataServices>
</edmx:Edmx>`;
}

function schema(namespace: string, body: string, alias?: string): string {
  const aliasAttr = alias ? ` Alias="${alias}"` : '';
  return `<Schema Namespace="${namespace}"${aliasAttr} xmlns="http://docs.oasis-open.org/odata/ns/edm">${body}</Schema>`;
}

function entity(model: EdmModel, name: string): EntityTypeModel {
  const found = model.entityTypes[name];
  if (!found) throw new Error(`entity type ${name} missing`);
  return found;
}

function field(model: EdmModel, entityName: string, fieldName: string): FieldModel {
  const found = entity(model, entityName).fields.find((f) => f.name === fieldName);
  if (!found) throw new Error(`field ${entityName}.${fieldName} missing`);
  return found;
}

interface FixtureExpectation {
  file: string;
  /** The resource name used in URLs. */
  resource: string;
  entityType: string;
  key: string[];
  entityTypes: number;
  fieldCount: number;
  enumTypes: number;
  problems: number;
}

// Figures checked against the XML by hand (counting <Property> elements inside the entity type).
const FIXTURES: FixtureExpectation[] = [
  {
    file: 'reso-dd-2.0-enum',
    resource: 'Property',
    entityType: 'Property',
    key: ['ListingKey'],
    entityTypes: 41,
    fieldCount: 632,
    enumTypes: 193,
    // 51 fields refer to 30 enums the document never declares (AOR, CountyOrParish, …).
    problems: 51,
  },
  {
    file: 'reso-dd-2.0-lookup-resource',
    resource: 'Property',
    entityType: 'Property',
    key: ['ListingKey'],
    entityTypes: 41,
    fieldCount: 632,
    enumTypes: 0,
    problems: 0,
  },
  {
    file: 'trestle-2019',
    resource: 'Property',
    entityType: 'Property',
    key: ['ListingKey'],
    entityTypes: 8,
    fieldCount: 602,
    enumTypes: 137,
    problems: 0,
  },
  {
    file: 'mlsgrid-2019',
    resource: 'PropertyResi',
    entityType: 'PropertyResi',
    key: ['ListingKey'],
    entityTypes: 2,
    fieldCount: 29,
    enumTypes: 5,
    // Entity sets DataSystem and Teams point at undeclared types.
    problems: 2,
  },
  {
    file: 'utahrealestate-2019',
    resource: 'Properties',
    entityType: 'Property',
    key: ['ListingKeyNumeric'],
    entityTypes: 7,
    fieldCount: 220,
    enumTypes: 69,
    // School enum: a nameless member and two repeated ones; four Int32 flag enums overflow.
    problems: 7,
  },
];

describe('parseEdmx on real metadata', () => {
  for (const expected of FIXTURES) {
    describe(expected.file, () => {
      it('parses without throwing', () => {
        expect(() => fixtureModel(expected.file)).not.toThrow();
      });

      it('finds the Property-like resource with the right key and shape', () => {
        const parsedModel = fixtureModel(expected.file);
        const property = findEntityType(parsedModel, expected.resource);
        expect(property?.name).toBe(expected.entityType);
        expect(property?.key).toEqual(expected.key);
        expect(property?.fields).toHaveLength(expected.fieldCount);
        expect(Object.keys(parsedModel.entityTypes)).toHaveLength(expected.entityTypes);
        expect(Object.keys(parsedModel.enumTypes)).toHaveLength(expected.enumTypes);
        expect(parsedModel.problems).toHaveLength(expected.problems);
      });

      it('summarises the Property resource (snapshot)', () => {
        const parsedModel = fixtureModel(expected.file);
        const summary = summarizeResources(parsedModel).find((s) => s.resource === expected.resource);
        expect(summary).toBeDefined();
        expect({
          resource: summary?.resource,
          entityType: summary?.entityType,
          key: summary?.key,
          fieldCount: summary?.fieldCount,
          cursorFields: summary?.cursorFields,
          enumTypes: Object.keys(parsedModel.enumTypes).length,
          modelProblems: parsedModel.problems.length,
          resourceProblems: summary?.problems.length,
        }).toMatchSnapshot();
      });
    });
  }

  it('parses the largest fixture (~840 KB) well under a second', () => {
    const xml = fixture('utahrealestate-2019');
    parseEdmx(xml); // warm-up: the first call pays for JIT compilation
    const started = performance.now();
    parseEdmx(xml);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reads both cursor fields on RESO DD 2.0 and only ModificationTimestamp on Utah', () => {
    const dd = fixtureModel('reso-dd-2.0-enum');
    expect(cursorFields(entity(dd, 'Property'))).toEqual(['ModificationTimestamp', 'PhotosChangeTimestamp']);
    const utah = fixtureModel('utahrealestate-2019');
    expect(cursorFields(entity(utah, 'Property'))).toEqual(['ModificationTimestamp']);
  });

  it('resolves DD 2.0 enum-style collections and lookup-style annotations', () => {
    const enumStyle = fixtureModel('reso-dd-2.0-enum');
    expect(field(enumStyle, 'Property', 'Appliances')).toMatchObject({
      type: { kind: 'enum', name: 'Appliances' },
      collection: true,
      nullable: false,
    });
    expect(field(enumStyle, 'Property', 'StandardStatus').type).toEqual({
      kind: 'enum',
      name: 'StandardStatus',
    });
    expect(enumStyle.problems).toContain('Property.BuyerAgentAOR: unknown type "org.reso.metadata.enums.AOR"');

    const lookupStyle = fixtureModel('reso-dd-2.0-lookup-resource');
    expect(field(lookupStyle, 'Property', 'StandardStatus')).toEqual({
      name: 'StandardStatus',
      type: { kind: 'primitive', name: 'Edm.String' },
      collection: false,
      nullable: true,
      maxLength: 25,
      lookupName: 'StandardStatus',
    });
    expect(field(lookupStyle, 'Property', 'Appliances')).toMatchObject({
      type: { kind: 'primitive', name: 'Edm.String' },
      collection: true,
      lookupName: 'Appliances',
    });
    const lookups = entity(lookupStyle, 'Property').fields.filter((f) => f.lookupName);
    expect(lookups).toHaveLength(178);
  });

  it('keeps Trestle Int64 flag values exact and strips the CoreLogic namespace', () => {
    const parsedModel = fixtureModel('trestle-2019');
    expect(field(parsedModel, 'Property', 'AboveGradeFinishedAreaSource').type).toEqual({
      kind: 'enum',
      name: 'AreaSource',
    });
    expect(parsedModel.enumTypes.AreaSource?.namespace).toBe('CoreLogic.DataStandard.RESO.DD.Enums');
    const values = Object.values(parsedModel.enumTypes).flatMap((e) => e.members.map((m) => m.value));
    expect(values).toContain('1152921504606846976');
  });

  it('inherits the key and fields of a BaseType (Trestle Realtor : Member)', () => {
    const parsedModel = fixtureModel('trestle-2019');
    const realtor = entity(parsedModel, 'Realtor');
    expect(realtor.key).toEqual(['MemberKey']);
    expect(realtor.fields).toHaveLength(entity(parsedModel, 'Member').fields.length + 1);
    expect(realtor.fields.at(-1)?.name).toBe('TrestleReserved');
  });

  it('reads complex types and collections of them (Trestle DataSystem.Resources)', () => {
    const parsedModel = fixtureModel('trestle-2019');
    expect(Object.keys(parsedModel.complexTypes)).toEqual(['Resource', 'Localization']);
    expect(field(parsedModel, 'DataSystem', 'Resources')).toMatchObject({
      type: { kind: 'complex', name: 'Resource' },
      collection: true,
    });
  });

  it('reports MLS Grid entity sets whose type is not declared, and keeps them', () => {
    const parsedModel = fixtureModel('mlsgrid-2019');
    expect(parsedModel.problems).toEqual([
      'entity set DataSystem: entity type "ODataService.DataSystem" is not declared',
      'entity set Teams: entity type "ODataService.Teams" is not declared',
    ]);
    expect(parsedModel.entitySets.map((s) => s.name)).toEqual(['Media', 'DataSystem', 'PropertyResi', 'Teams']);
    expect(findEntityType(parsedModel, 'Teams')).toBeUndefined();
    expect(entity(parsedModel, 'PropertyResi').openType).toBe(true);
    expect(field(parsedModel, 'PropertyResi', 'BedroomsTotal')).toMatchObject({
      type: { kind: 'primitive', name: 'Edm.Byte' },
      precision: 3,
    });
    expect(parsedModel.enumTypes.Roof).toMatchObject({
      isFlags: true,
      underlyingType: 'Edm.Int64',
    });
  });

  it('reports Utah Int32 flag enums whose values overflow Int32', () => {
    const parsedModel = fixtureModel('utahrealestate-2019');
    expect(parsedModel.problems).toContain(
      'enum InteriorFeatures: 28 member value(s) do not fit its UnderlyingType Edm.Int32 (largest 288230376151711744)',
    );
    expect(generalProblems(parsedModel)).toHaveLength(7);
  });
});

describe('parseEdmx on small documents', () => {
  it('strips namespaces and aliases across schemas, whatever their order', () => {
    const model = parseEdmx(
      edmx(
        schema(
          'Acme.Models',
          `<EntityType Name="Property">
             <Key><PropertyRef Name="ListingKey"/></Key>
             <Property Name="ListingKey" Type="Edm.String" Nullable="false"/>
             <Property Name="AreaSource" Type="Acme.Enums.AreaSource"/>
             <Property Name="ViaAlias" Type="e.AreaSource"/>
             <Property Name="Renamed" Type="OtherVendor.Enums.AreaSource"/>
           </EntityType>`,
        ) + schema('Acme.Enums', `<EnumType Name="AreaSource"><Member Name="Appraiser" Value="0"/></EnumType>`, 'e'),
      ),
    );
    expect(model.namespaces).toEqual(['Acme.Models', 'Acme.Enums']);
    expect(entity(model, 'Property').namespace).toBe('Acme.Models');
    for (const name of ['AreaSource', 'ViaAlias', 'Renamed']) {
      expect(field(model, 'Property', name).type).toEqual({ kind: 'enum', name: 'AreaSource' });
    }
    expect(model.enumTypes.AreaSource).toEqual({
      name: 'AreaSource',
      namespace: 'Acme.Enums',
      underlyingType: 'Edm.Int32',
      isFlags: false,
      members: [{ name: 'Appraiser', value: '0' }],
    });
    expect(field(model, 'Property', 'ListingKey').nullable).toBe(false);
    expect(field(model, 'Property', 'AreaSource').nullable).toBe(true);
    expect(model.problems).toEqual([]);
  });

  it('reads a collection of enum values', () => {
    const model = parseEdmx(
      edmx(
        schema(
          'NS',
          `<EntityType Name="Property"><Key><PropertyRef Name="K"/></Key>
             <Property Name="K" Type="Edm.String"/>
             <Property Name="Appliances" Type="Collection(NS.Enums.Appliances)"/>
           </EntityType>`,
        ) + schema('NS.Enums', `<EnumType Name="Appliances"><Member Name="Dryer"/><Member Name="Oven"/></EnumType>`),
      ),
    );
    expect(field(model, 'Property', 'Appliances')).toEqual({
      name: 'Appliances',
      type: { kind: 'enum', name: 'Appliances' },
      collection: true,
      nullable: true,
    });
    // Members without any Value are legal (values are implicit); nothing to report.
    expect(model.enumTypes.Appliances?.members).toEqual([{ name: 'Dryer' }, { name: 'Oven' }]);
    expect(model.problems).toEqual([]);
  });

  it('keeps Int64 flag values above 2^53 exact', () => {
    const model = parseEdmx(
      edmx(
        schema(
          'E',
          `<EnumType Name="Roof" UnderlyingType="Edm.Int64" IsFlags="true">
             <Member Name="Tile" Value="1"/>
             <Member Name="Other" Value="9007199254740993"/>
             <Member Name="Top" Value="4611686018427387904"/>
           </EnumType>`,
        ),
      ),
    );
    const roof = model.enumTypes.Roof;
    expect(roof?.isFlags).toBe(true);
    expect(roof?.underlyingType).toBe('Edm.Int64');
    // 2^53 + 1 is where a JavaScript number would have rounded to …992.
    expect(roof?.members.map((m) => m.value)).toEqual(['1', '9007199254740993', '4611686018427387904']);
    expect(model.problems).toEqual([]);
  });

  it('reads MaxLength, Precision and Scale facets including "max" and "variable"', () => {
    const model = parseEdmx(
      edmx(
        schema(
          'NS',
          `<EntityType Name="Property"><Key><PropertyRef Name="K"/></Key>
             <Property Name="K" Type="Edm.String" MaxLength="255"/>
             <Property Name="Remarks" Type="Edm.String" MaxLength="max"/>
             <Property Name="Price" Type="Edm.Decimal" Precision="14" Scale="variable"/>
             <Property Name="Lat" Type="Edm.Decimal" Precision="11" Scale="8"/>
             <Property Name="Odd" Type="Edm.String" MaxLength="lots"/>
           </EntityType>`,
        ),
      ),
    );
    expect(field(model, 'Property', 'K').maxLength).toBe(255);
    expect(field(model, 'Property', 'Remarks').maxLength).toBe('max');
    expect(field(model, 'Property', 'Price')).toMatchObject({ precision: 14, scale: 'variable' });
    expect(field(model, 'Property', 'Lat')).toMatchObject({ precision: 11, scale: 8 });
    expect(field(model, 'Property', 'Odd').maxLength).toBeUndefined();
    expect(model.problems).toEqual(['Property.Odd: MaxLength "lots" is not a non-negative integer; ignored']);
  });

  it('reads OpenType', () => {
    const model = parseEdmx(
      edmx(
        schema(
          'NS',
          `<EntityType Name="Open" OpenType="true"><Key><PropertyRef Name="K"/></Key><Property Name="K" Type="Edm.String"/></EntityType>
           <EntityType Name="Closed"><Key><PropertyRef Name="K"/></Key><Property Name="K" Type="Edm.String"/></EntityType>`,
        ),
      ),
    );
    expect(entity(model, 'Open').openType).toBe(true);
    expect(entity(model, 'Closed').openType).toBe(false);
  });

  it('allows an entity type without Key but reports it once', () => {
    const model = parseEdmx(
      edmx(schema('NS', `<EntityType Name="Thing"><Property Name="ModificationTimestamp" Type="Edm.DateTimeOffset"/></EntityType>`)),
    );
    expect(entity(model, 'Thing').key).toEqual([]);
    expect(model.problems).toEqual(['Thing: no Key declared, so records cannot be identified']);
    const [summary] = summarizeResources(model);
    expect(summary?.problems).toEqual(['Thing: no Key declared, so records cannot be identified']);
  });

  it('reports an unknown type instead of throwing', () => {
    const model = parseEdmx(
      edmx(
        schema(
          'NS',
          `<EntityType Name="Property"><Key><PropertyRef Name="K"/></Key>
             <Property Name="K" Type="Edm.String"/>
             <Property Name="Foo" Type="X.Y"/>
             <Property Name="Old" Type="Edm.DateTime"/>
           </EntityType>`,
        ),
      ),
    );
    expect(field(model, 'Property', 'Foo').type).toEqual({ kind: 'unknown', raw: 'X.Y' });
    expect(field(model, 'Property', 'Old').type).toEqual({ kind: 'unknown', raw: 'Edm.DateTime' });
    expect(model.problems).toEqual(['Property.Foo: unknown type "X.Y"', 'Property.Old: unsupported type "Edm.DateTime"']);
    const [summary] = summarizeResources(model);
    expect(summary?.problems).toEqual([
      'Property.Foo: unknown type "X.Y"',
      'Property.Old: unsupported type "Edm.DateTime"',
      'no ModificationTimestamp: sync cannot be incremental',
    ]);
  });

  it('reads navigation properties, single and collection', () => {
    const model = parseEdmx(
      edmx(
        schema(
          'NS',
          `<EntityType Name="Property"><Key><PropertyRef Name="K"/></Key>
             <Property Name="K" Type="Edm.String"/>
             <NavigationProperty Name="Media" Type="Collection(NS.Media)"/>
             <NavigationProperty Name="ListAgent" Type="NS.Member"/>
             <NavigationProperty Name="Ghost" Type="Collection(NS.Ghost)"/>
           </EntityType>
           <EntityType Name="Media"><Key><PropertyRef Name="MediaKey"/></Key><Property Name="MediaKey" Type="Edm.String"/></EntityType>
           <EntityType Name="Member"><Key><PropertyRef Name="MemberKey"/></Key><Property Name="MemberKey" Type="Edm.String"/></EntityType>`,
        ),
      ),
    );
    expect(entity(model, 'Property').navigation).toEqual([
      { name: 'Media', targetType: 'Media', collection: true },
      { name: 'ListAgent', targetType: 'Member', collection: false },
      { name: 'Ghost', targetType: 'Ghost', collection: true },
    ]);
    expect(model.problems).toEqual(['Property.Ghost: navigation target "Collection(NS.Ghost)" is not a declared entity type']);
  });

  it('resolves resources through entity sets named differently from their types', () => {
    const model = parseEdmx(
      edmx(
        schema(
          'Default',
          `<EntityContainer Name="Container">
             <EntitySet Name="Properties" EntityType="Odata.Models.Property"/>
           </EntityContainer>`,
        ) +
          schema(
            'Odata.Models',
            `<EntityType Name="Property"><Key><PropertyRef Name="ListingKeyNumeric"/></Key>
               <Property Name="ListingKeyNumeric" Type="Edm.Int32"/>
             </EntityType>
             <EntityType Name="Office"><Key><PropertyRef Name="OfficeKey"/></Key>
               <Property Name="OfficeKey" Type="Edm.String"/>
             </EntityType>`,
          ),
      ),
    );
    expect(model.entitySets).toEqual([{ name: 'Properties', entityType: 'Property' }]);
    expect(findEntityType(model, 'Properties')?.name).toBe('Property');
    expect(findEntityType(model, 'Property')?.name).toBe('Property');
    expect(findEntityType(model, 'properties')?.name).toBe('Property');
    expect(findEntityType(model, 'OFFICE')?.name).toBe('Office');
    expect(findEntityType(model, 'Nope')).toBeUndefined();
    expect(summarizeResources(model).map((s) => [s.resource, s.entityType])).toEqual([
      ['Properties', 'Property'],
      ['Office', 'Office'],
    ]);
  });

  it('captures the RESO LookupName annotation, inline and out of line', () => {
    const model = parseEdmx(
      edmx(
        schema(
          'org.reso.metadata',
          `<EntityType Name="Property"><Key><PropertyRef Name="K"/></Key>
             <Property Name="K" Type="Edm.String"/>
             <Property Name="StandardStatus" Type="Edm.String" MaxLength="25">
               <Annotation Term="RESO.OData.Metadata.LookupName" String="StandardStatus"/>
             </Property>
             <Property Name="Appliances" Type="Collection(Edm.String)">
               <Annotation Term="RESO.OData.Metadata.LookupName"><String>Appliances</String></Annotation>
             </Property>
             <Property Name="Roof" Type="Edm.String"/>
             <Property Name="Generic" Type="Edm.EnumType">
               <Annotation Term="RESO.OData.Metadata.LookupName" String="Heating"/>
             </Property>
             <Property Name="Bare" Type="Edm.EnumType"/>
           </EntityType>
           <Annotations Target="org.reso.metadata.Property/Roof">
             <Annotation Term="RESO.OData.Metadata.LookupName" String="Roof"/>
           </Annotations>`,
        ),
      ),
    );
    expect(field(model, 'Property', 'StandardStatus')).toEqual({
      name: 'StandardStatus',
      type: { kind: 'primitive', name: 'Edm.String' },
      collection: false,
      nullable: true,
      maxLength: 25,
      lookupName: 'StandardStatus',
    });
    expect(field(model, 'Property', 'Appliances').lookupName).toBe('Appliances');
    expect(field(model, 'Property', 'Roof').lookupName).toBe('Roof');
    expect(field(model, 'Property', 'Generic')).toMatchObject({
      type: { kind: 'primitive', name: 'Edm.String' },
      lookupName: 'Heating',
    });
    expect(field(model, 'Property', 'K').lookupName).toBeUndefined();
    expect(model.problems).toEqual(['Property.Bare: type "Edm.EnumType" without a LookupName annotation names no enum']);
  });

  it('reports duplicates and bad enum values without throwing', () => {
    const model = parseEdmx(
      edmx(
        schema(
          'A',
          `<EntityType Name="Property"><Key><PropertyRef Name="K"/></Key>
             <Property Name="K" Type="Edm.String"/><Property Name="K" Type="Edm.Int32"/>
           </EntityType>
           <EnumType Name="Flags" IsFlags="true"><Member Name="A" Value="1"/><Member Name="B"/></EnumType>
           <EnumType Name="Bad"><Member Name="X" Value="one"/></EnumType>`,
        ) +
          schema('B', `<EntityType Name="Property"><Key><PropertyRef Name="Z"/></Key><Property Name="Z" Type="Edm.String"/></EntityType>`),
      ),
    );
    expect(field(model, 'Property', 'K').type).toEqual({ kind: 'primitive', name: 'Edm.String' });
    expect(entity(model, 'Property').namespace).toBe('A');
    expect(model.problems).toEqual([
      'Property.K: declared twice; the first is kept',
      'enum Flags: IsFlags is set but 1 member(s) have no Value',
      'enum Bad.X: Value "one" is not an integer',
      'Property: declared in namespaces A and B; the first is used',
    ]);
  });

  it('throws MetadataError only for unusable documents', () => {
    const cases: Array<[string, RegExp]> = [
      ['not xml', /not well-formed XML/],
      ['', /not well-formed XML/],
      ['<a/>', /expected an <edmx:Edmx> root element, found <a>/],
      ['<edmx:Edmx xmlns:edmx="x"/>', /no <edmx:DataServices>/],
      ['<edmx:Edmx xmlns:edmx="x"><edmx:DataServices/></edmx:Edmx>', /no <Schema>/],
      // A truncated download must not quietly become a model with fewer resources.
      ['<edmx:Edmx xmlns:edmx="x"><edmx:DataServices><Schema Namespace="N">', /not well-formed/],
    ];
    for (const [input, message] of cases) {
      let caught: unknown;
      try {
        parseEdmx(input);
      } catch (error) {
        caught = error;
      }
      expect(caught, input).toBeInstanceOf(MetadataError);
      expect((caught as Error).name).toBe('MetadataError');
      expect((caught as Error).message, input).toMatch(message);
    }
  });

  it('accepts a UTF-8 byte order mark', () => {
    const model = parseEdmx('\uFEFF' + edmx(schema('N', '<EnumType Name="E"><Member Name="A"/></EnumType>')));
    expect(Object.keys(model.enumTypes)).toEqual(['E']);
  });
});

describe('parseEdmx on vendor metadata with mistakes (test/fixtures/metadata/malformed)', () => {
  const broken = (): EdmModel =>
    parseEdmx(readFileSync(new URL('../fixtures/metadata/malformed/vendor-errors.xml', import.meta.url), 'utf8'));

  it('reads element and attribute names written in the wrong case, naming each mistake once', () => {
    const model = broken();
    expect(Object.keys(model.entityTypes)).toEqual(['Property', 'Member', 'Office']);
    // The misspelled <property> comes after the others: the parser groups elements by name.
    expect(
      entity(model, 'Property')
        .fields.map((f) => f.name)
        .sort(),
    ).toEqual(['City', 'ListPrice', 'ListingKey', 'ModificationTimestamp', 'PostalCode']);
    expect(entity(model, 'Property').key).toEqual(['ListingKey']);
    expect(model.problems).toEqual(
      expect.arrayContaining([
        'element <Dataservices> read as <DataServices>: names are case-sensitive',
        'element <property> read as <Property>: names are case-sensitive',
        'element <propertyRef> read as <PropertyRef>: names are case-sensitive',
        'attribute name="…" read as Name: names are case-sensitive',
      ]),
    );
  });

  it('takes a key or an entity set type written in the wrong case as the declared one, with a warning', () => {
    const model = broken();
    expect(entity(model, 'Member').key).toEqual(['MemberKey']);
    expect(model.problems).toContain('Member: key property "memberKey" read as field MemberKey (names are case-sensitive)');
    expect(model.entitySets.find((s) => s.name === 'Member')?.entityType).toBe('Member');
    expect(resolveResource(model, 'Member').entity?.name).toBe('Member');
  });

  it('says in one line why a resource cannot be used: a key that is no field, a set without a type', () => {
    const model = broken();
    expect(resolveResource(model, 'Office')).toEqual({ unusable: 'key property "OfficeKey" is not declared as a property' });
    expect(unusableReason(entity(model, 'Office'))).toBe('key property "OfficeKey" is not declared as a property');
    expect(resolveResource(model, 'Teams')).toEqual({ unusable: 'entity set Teams: entity type "Team" is not declared' });
    expect(resolveResource(model, 'Property').entity?.name).toBe('Property');
    expect(resolveResource(model, 'Nowhere')).toEqual({});
  });

  it('finds no mistake of case in the real fixtures', () => {
    for (const { file } of FIXTURES) {
      expect(fixtureModel(file).problems.filter((p) => p.includes('case-sensitive'))).toEqual([]);
    }
  });

  it('throws the named ResourceUnusable when a table is planned for an unusable resource', () => {
    const model = broken();
    const naming = { table: (_s: string, r: string) => r, field: (_r: string, f: string) => f };
    let caught: unknown;
    try {
      planTable({ source: 'v', resource: 'Office', entity: entity(model, 'Office'), model }, naming);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ResourceUnusable);
    expect((caught as Error).name).toBe('ResourceUnusable');
    expect((caught as Error).message).toBe('Office cannot be used: key property "OfficeKey" is not declared as a property');
  });
});
