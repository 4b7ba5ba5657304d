/**
 * The Solr destination against the real Solr node the global setup runs: every metadata fixture
 * becomes cores whose second apply adds nothing; a page (a ~650-field DD 2.0 Property among it)
 * reads back field by field with dates in UTC `Z`; an older timestamp never overwrites a newer
 * one; a document Solr refuses is a reject while the rest land; children are replaced with their
 * parent; keys stream complete and in byte order; deletes by id survive characters that need
 * escaping; and the location field is filled from Latitude/Longitude.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ChildModel, ResourceModel } from '../../activities/destinations';
import { SolrDestination, type SolrDestinationConfig } from '../../activities/destinations/solr';
import { deleteSolrCore, solrCoreExists } from '../../activities/destinations/solr/cores';
import { toSolrInstant } from '../../activities/destinations/solr/fields';
import { cursorFields, findEntityType, parseEdmx, unusableReason, type EdmModel, type FieldModel } from '../../activities/source/metadata';
import { fromRoot } from '../../scripts/lib/paths';
import { uniqueName } from '../support/stack';

const FIXTURES = fromRoot('test', 'fixtures', 'metadata');
const cores = new Set<string>();

afterAll(async () => {
  for (const core of cores) await deleteSolrCore(inject('solrUrl'), core).catch(() => undefined);
});

/** A destination whose cores carry a unique prefix, all removed after the file. */
function destination(extra: Partial<SolrDestinationConfig> = {}): SolrDestination {
  const prefix = uniqueName('t_solr');
  return new SolrDestination('s', {
    type: 'solr',
    url: inject('solrUrl'),
    makeCoreName: (_source, resource) => {
      const core = `${prefix}_${resource}`;
      cores.add(core);
      return core;
    },
    ...extra,
  });
}

const LISTING_EDMX = `<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Test">
      <EntityType Name="Listing">
        <Key><PropertyRef Name="ListingKey"/></Key>
        <Property Name="ListingKey" Type="Edm.String" MaxLength="255" Nullable="false"/>
        <Property Name="ModificationTimestamp" Type="Edm.DateTimeOffset" Precision="27"/>
        <Property Name="City" Type="Edm.String" MaxLength="50"/>
        <Property Name="PublicRemarks" Type="Edm.String" MaxLength="4000"/>
        <Property Name="BedroomsTotal" Type="Edm.Int32"/>
        <Property Name="ListPrice" Type="Edm.Decimal" Precision="14" Scale="2"/>
        <Property Name="Latitude" Type="Edm.Decimal" Precision="12" Scale="8"/>
        <Property Name="Longitude" Type="Edm.Decimal" Precision="12" Scale="8"/>
        <Property Name="Appliances" Type="Collection(Edm.String)"/>
        <NavigationProperty Name="Media" Type="Collection(Test.Media)"/>
      </EntityType>
      <EntityType Name="Media">
        <Key><PropertyRef Name="MediaKey"/></Key>
        <Property Name="MediaKey" Type="Edm.String" MaxLength="255" Nullable="false"/>
        <Property Name="MediaURL" Type="Edm.String" MaxLength="8000"/>
        <Property Name="Order" Type="Edm.Int32"/>
      </EntityType>
      <EntityContainer Name="Container">
        <EntitySet Name="Listing" EntityType="Test.Listing"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>`;

function listing(withMedia = false): ResourceModel {
  const model = parseEdmx(LISTING_EDMX);
  const entity = findEntityType(model, 'Listing')!;
  const children: ChildModel[] = withMedia
    ? [
        {
          navigation: 'Media',
          resource: 'ListingMedia',
          entity: findEntityType(model, 'Media')!,
          keyField: 'MediaKey',
          purgeWithParent: true,
        },
      ]
    : [];
  return { source: 'wtest', resource: 'Listing', entity, model, keyField: 'ListingKey', cursorField: 'ModificationTimestamp', children };
}

const TS = '2024-05-01T12:00:00.1234567Z';
const rec = (key: string, extra: Record<string, unknown> = {}) => ({
  ListingKey: key,
  ModificationTimestamp: TS,
  City: 'Portland',
  PublicRemarks: 'Quiet street, big yard.',
  BedroomsTotal: 3,
  ListPrice: '450000.50',
  Latitude: 45.5,
  Longitude: -122.6,
  Appliances: ['Dishwasher', 'Range'],
  ...extra,
});

describe('Solr destination: schema', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml'));

  it.each(files)('applies every resource of %s, and a second apply adds nothing', async (file) => {
    const model = parseEdmx(readFileSync(join(FIXTURES, file), 'utf8'));
    const dest = destination();
    const resources = Object.values(model.entityTypes).filter((e) => e.key.length > 0 && !unusableReason(e) && cursorFields(e).length > 0);
    expect(resources.length).toBeGreaterThan(0);
    for (const entity of resources) {
      const resource: ResourceModel = {
        source: 'fixture',
        resource: model.entitySets.find((s) => s.entityType === entity.name)?.name ?? entity.name,
        entity,
        model,
        keyField: entity.key[0]!,
        cursorField: cursorFields(entity)[0]!,
      };
      const core = dest.corePlan(resource).core;
      const first = await dest.ensureSchema(resource);
      expect(first[0], `${file} ${resource.resource}`).toMatchObject({ table: core, action: 'create table' });
      // Every declared field, the extras field, and the tolerant processor.
      expect(first.filter((c) => c.action === 'add column').length).toBeGreaterThanOrEqual(entity.fields.length + 1);
      expect(await dest.ensureSchema(resource), `${file} ${resource.resource}: second apply`).toEqual([]);
      // Bounded memory on the shared node: each core goes once proven.
      await deleteSolrCore(inject('solrUrl'), core);
    }
  });

  it('adds only the fields a core lacks, and a dry run changes nothing', async () => {
    const dest = destination();
    const resource = listing();
    const core = dest.corePlan(resource).core;
    expect(await dest.applySchema(resource, { dryRun: true })).toContainEqual({
      table: core,
      action: 'create table',
      detail: `core ${core}`,
    });
    expect(await solrCoreExists(inject('solrUrl'), core)).toBe(false);
    await dest.ensureSchema(resource);
    // The metadata gains a field: exactly that one is added.
    const grown = listing();
    const extra: FieldModel = {
      name: 'StreetName',
      type: { kind: 'primitive', name: 'Edm.String' },
      collection: false,
      nullable: true,
      maxLength: 50,
    };
    grown.entity = { ...grown.entity, fields: [...grown.entity.fields, extra] };
    const changes = await new SolrDestination('s', { type: 'solr', url: inject('solrUrl'), makeCoreName: () => core }).ensureSchema(grown);
    expect(changes).toEqual([{ table: core, action: 'add column', detail: 'StreetName string' }]);
  });
});

/** A value for every field of a DD 2.0 entity, by its type, and what Solr should hand back. */
function fullRecord(model: EdmModel, fields: FieldModel[]): { record: Record<string, unknown>; expected: Record<string, unknown> } {
  const record: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  for (const [i, f] of fields.entries()) {
    let value: unknown;
    let back: unknown;
    if (f.type.kind === 'enum') {
      const enumType = model.enumTypes[f.type.name]!;
      const [a, b] = enumType.members.map((m) => m.name);
      if (enumType.isFlags && b) [value, back] = [`${a},${b}`, [a, b]];
      else [value, back] = [a, a];
    } else if (f.type.kind === 'primitive') {
      switch (f.type.name) {
        case 'Edm.String':
          [value, back] = [`v${i} ${f.name}`, `v${i} ${f.name}`];
          break;
        case 'Edm.Boolean':
          [value, back] = [i % 2 === 0, i % 2 === 0];
          break;
        case 'Edm.Byte':
        case 'Edm.SByte':
        case 'Edm.Int16':
        case 'Edm.Int32':
        case 'Edm.Int64':
          [value, back] = [i % 100, i % 100];
          break;
        case 'Edm.Decimal':
        case 'Edm.Double':
        case 'Edm.Single':
          [value, back] = [i + 0.25, i + 0.25];
          break;
        case 'Edm.Date':
          [value, back] = ['2024-04-30', '2024-04-30T00:00:00Z'];
          break;
        case 'Edm.DateTimeOffset':
          // An offset and 7 digits in, UTC with milliseconds out.
          [value, back] = ['2024-05-01T05:00:00.1234567-07:00', '2024-05-01T12:00:00.123Z'];
          break;
        default:
          continue;
      }
    } else continue;
    if (f.collection && !Array.isArray(back)) [value, back] = [[value], [back]];
    record[f.name] = value;
    expected[f.name] = back;
  }
  return { record, expected };
}

describe('Solr destination: writing', () => {
  it('upserts a page with a ~650-field DD 2.0 Property and reads every field back, dates in UTC Z', async () => {
    const model = parseEdmx(readFileSync(join(FIXTURES, 'reso-dd-2.0-enum.xml'), 'utf8'));
    const entity = findEntityType(model, 'Property')!;
    expect(entity.fields.length).toBeGreaterThan(600);
    const resource: ResourceModel = {
      source: 'dd',
      resource: 'Property',
      entity,
      model,
      keyField: 'ListingKey',
      cursorField: 'ModificationTimestamp',
    };
    const dest = destination();
    await dest.ensureSchema(resource);
    const { record, expected } = fullRecord(model, entity.fields);
    expect(Object.keys(expected).length).toBeGreaterThan(600);
    const page = [
      { ...record, ListingKey: 'DD1', Latitude: 45.5, Longitude: -122.25 },
      { ...record, ListingKey: 'DD2', Latitude: 45.5, Longitude: -122.25 },
    ];
    const result = await dest.writePage(resource, page);
    expect(result).toMatchObject({ upserted: 2, rejects: [], skipped: 0 });

    const stored = await dest.readRecord(resource, 'DD1');
    expect(stored).not.toBeNull();
    for (const [field, value] of Object.entries({ ...expected, ListingKey: 'DD1', Latitude: 45.5, Longitude: -122.25 })) {
      expect(stored![field], field).toEqual(value);
    }
    expect(stored!.location).toBe('45.5,-122.25');
    expect(await dest.count(resource)).toBe(2);
    expect(await dest.highWaterMark(resource)).toEqual({ timestamp: '2024-05-01T12:00:00.1230000Z', key: '' });
    expect(await dest.highWaterTie(resource)).toEqual({
      timestamp: '2024-05-01T12:00:00.1230000Z',
      until: '2024-05-01T12:00:00.1240000Z',
      rows: 2,
      greatestKey: 'DD2',
    });
  });

  it('never lets an older ModificationTimestamp overwrite a newer one stored by an earlier page', async () => {
    const dest = destination();
    const resource = listing();
    await dest.ensureSchema(resource);
    await dest.writePage(resource, [rec('K1', { City: 'Newer', ModificationTimestamp: '2024-06-01T00:00:00.5Z' })]);
    const result = await dest.writePage(resource, [
      rec('K1', { City: 'Older', ModificationTimestamp: '2024-05-01T00:00:00Z' }),
      rec('K2', { City: 'Fresh' }),
    ]);
    expect(result.upserted).toBe(2);
    expect(result.rejects).toEqual([]);
    expect((await dest.readRecord(resource, 'K1'))?.City).toBe('Newer');
    expect((await dest.readRecord(resource, 'K2'))?.City).toBe('Fresh');
    // Same timestamp: written again (an idempotent retry refreshes the document).
    await dest.writePage(resource, [rec('K1', { City: 'Same', ModificationTimestamp: '2024-06-01T00:00:00.5Z' })]);
    expect((await dest.readRecord(resource, 'K1'))?.City).toBe('Same');
  });

  it('turns a document Solr refuses and a value resync refuses into rejects, and lands the rest', async () => {
    const dest = destination();
    const resource = listing();
    await dest.ensureSchema(resource);
    const immense = rec('BIG', { City: 'x'.repeat(40_000) });
    const badInt = rec('BADINT', { BedroomsTotal: 'three' });
    const result = await dest.writePage(resource, [rec('OK1'), immense, badInt, rec('OK2')]);
    expect(result.upserted).toBe(2);
    const byKey = new Map(result.rejects.map((r) => [r.key, r]));
    expect(byKey.get('BIG')).toMatchObject({
      field: 'City',
      reason: expect.stringMatching(/^Solr refused the document: .*immense term/),
      record: immense,
    });
    expect(byKey.get('BADINT')).toEqual({
      key: 'BADINT',
      field: 'BedroomsTotal',
      reason: 'expected an integer, got "three"',
      record: badInt,
    });
    expect(result.rejects).toHaveLength(2);
    const keys = (await dest.readKeys(resource, null, 10)).map((k) => k.key);
    expect(keys).toEqual(['OK1', 'OK2']);
  });

  it('replaces the children of updated parents and leaves those of older or childless copies alone', async () => {
    const dest = destination();
    const resource = listing(true);
    await dest.ensureSchema(resource);
    const media = (...keys: string[]) => keys.map((k, i) => ({ MediaKey: k, MediaURL: `https://x/${k}.jpg`, Order: i }));
    await dest.writePage(resource, [
      rec('P1', { Media: media('M1', 'M2'), ModificationTimestamp: '2024-05-01T00:00:00Z' }),
      rec('P2', { Media: media('M5'), ModificationTimestamp: '2024-05-03T00:00:00Z' }),
      rec('P3', { Media: media('M7'), ModificationTimestamp: '2024-05-01T00:00:00Z' }),
    ]);
    const result = await dest.writePage(resource, [
      rec('P1', { Media: media('M3'), ModificationTimestamp: '2024-05-02T00:00:00Z' }),
      rec('P2', { Media: media('M9'), ModificationTimestamp: '2024-05-01T00:00:00Z' }), // older: ignored
      rec('P3', { ModificationTimestamp: '2024-05-02T00:00:00Z' }), // no Media property: children stay
    ]);
    expect(result.children?.[0]).toMatchObject({ resource: 'ListingMedia', parentsReplaced: 1, upserted: 1, deleted: 2, rejects: [] });
    const keysOf = async (parent: string) => (await dest.readChildren(resource, 'Media', parent)).map((m) => m.MediaKey);
    expect(await keysOf('P1')).toEqual(['M3']);
    expect(await keysOf('P2')).toEqual(['M5']);
    expect(await keysOf('P3')).toEqual(['M7']);
    expect((await dest.readChildren(resource, 'Media', 'P1'))[0]).toMatchObject({
      MediaURL: 'https://x/M3.jpg',
      Order: 0,
      resync_parent_key: 'P1',
    });
  });

  it('streams every key once in byte order across several cursorMark pages, and pages by key the same way', async () => {
    const dest = destination();
    const resource = listing();
    await dest.ensureSchema(resource);
    const keys = [
      'b',
      'B',
      'a',
      'A10',
      'A9',
      'Ä',
      'z',
      'é',
      '0',
      '_',
      'a b',
      'ab',
      'aa',
      '~',
      'Z',
      'K"1',
      'K\\2',
      'K,3',
      'K:4',
      '€',
      '😀',
      'k',
    ];
    await dest.writePage(
      resource,
      keys.map((k) => rec(k)),
    );
    const byteOrder = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

    const streamed: string[] = [];
    let pages = 0;
    for await (const page of dest.streamKeys(resource, 5)) {
      pages++;
      streamed.push(...page.map((k) => k.key));
      expect(page.every((k) => k.cursor === '2024-05-01 12:00:00.123')).toBe(true);
    }
    expect(streamed).toEqual(byteOrder);
    expect(pages).toBe(Math.ceil(keys.length / 5));

    const paged: string[] = [];
    for (let after: string | null = null; ;) {
      const page = await dest.readKeys(resource, after, 4);
      paged.push(...page.map((k) => k.key));
      if (page.length < 4) break;
      after = page[page.length - 1]!.key;
    }
    expect(paged).toEqual(byteOrder);
  });

  it('deletes by ids that need escaping, with their children, and nothing else', async () => {
    const dest = destination();
    const resource = listing(true);
    await dest.ensureSchema(resource);
    const tricky = ['a"b', 'c\\d', 'e f', 'g:h', 'i*', '(j)', 'k,l', 'm OR n', '-o'];
    const keep = ['a', 'c', 'n', 'o'];
    await dest.writePage(
      resource,
      [...tricky, ...keep].map((k) => rec(k, { Media: [{ MediaKey: `${k}#m`, Order: 1 }] })),
    );
    expect(await dest.count(resource)).toBe(tricky.length + keep.length);
    for (const key of tricky) expect((await dest.readRecord(resource, key))?.ListingKey, key).toBe(key);
    expect(await dest.keysNotAfter(resource, [...tricky, 'absent'], '2024-05-01T12:00:00.1234Z')).toHaveLength(tricky.length);
    expect(await dest.keysNotAfter(resource, tricky, '2024-05-01T12:00:00.122Z')).toEqual([]);

    expect(await dest.deleteRecords(resource, [...tricky, 'absent'])).toBe(tricky.length);
    expect((await dest.readKeys(resource, null, 100)).map((k) => k.key)).toEqual(keep);
    for (const key of keep) expect(await dest.readChildren(resource, 'Media', key), key).toHaveLength(1);
    for (const key of tricky) expect(await dest.readChildren(resource, 'Media', key), key).toEqual([]);
  });

  it('applies keyMapping and the transform hook as the MySQL destination does', async () => {
    const dest = destination({
      keyMapping: { toDestination: (key) => key.replace(/^MLS-/, ''), toMls: (key) => `MLS-${key}` },
      transform: (_resource, record) => (record.City === 'Skip' ? null : { ...record, City: String(record.City).toUpperCase() }),
    });
    const resource = listing();
    await dest.ensureSchema(resource);
    const result = await dest.writePage(resource, [rec('MLS-1'), rec('MLS-2', { City: 'Skip' })]);
    expect(result).toMatchObject({ upserted: 1, skipped: 1, rejects: [] });
    expect(await dest.readKeys(resource, null, 10)).toEqual([{ key: '1', cursor: '2024-05-01 12:00:00.123' }]);
    expect(await dest.readRecord(resource, 'MLS-1')).toMatchObject({ id: '1', ListingKey: '1', City: 'PORTLAND' });
    expect((await dest.highWaterTie(resource))?.greatestKey).toBe('MLS-1');
  });

  it('fills location from Latitude/Longitude, stores text as text_general and dates in UTC', async () => {
    const dest = destination();
    const resource = listing();
    const plan = dest.corePlan(resource);
    expect(plan.locations).toEqual([{ name: 'location', latitude: 'Latitude', longitude: 'Longitude' }]);
    expect(plan.byField.get('PublicRemarks')?.type).toBe('text_general');
    expect(plan.byField.get('City')?.type).toBe('string');
    await dest.ensureSchema(resource);
    await dest.writePage(resource, [
      rec('L1'),
      rec('L2', { Latitude: null }),
      rec('L3', { ModificationTimestamp: '2024-05-01T14:00:00.5+02:00' }),
    ]);
    expect((await dest.readRecord(resource, 'L1'))?.location).toBe('45.5,-122.6');
    expect((await dest.readRecord(resource, 'L2'))?.location).toBeUndefined();
    expect((await dest.readRecord(resource, 'L3'))?.ModificationTimestamp).toBe('2024-05-01T12:00:00.500Z');
    expect(toSolrInstant('2024-05-01T14:00:00.5+02:00')).toBe('2024-05-01T12:00:00.500Z');
    await dest.commit(resource);
  });
});
