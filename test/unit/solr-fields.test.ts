/**
 * The Solr destination's pure rules: which Solr type each Edm type becomes (long text by MaxLength or
 * name), how values convert (UTC `Z` dates truncated to ms, ranges, flags, points), which fields a
 * location is derived from, and how values are quoted into queries.
 */
import { describe, expect, it } from 'vitest';
import {
  deriveLocations,
  latLon,
  planSolrField,
  SolrValueRejected,
  toSolrInstant,
  toSolrValue,
} from '../../activities/destinations/solr/fields';
import { anyOf, quoteTerm } from '../../activities/destinations/solr/query';
import type { EdmModel, FieldModel } from '../../activities/source/metadata';

const model: EdmModel = {
  namespaces: ['T'],
  entityTypes: {},
  complexTypes: {},
  entitySets: [],
  problems: [],
  enumTypes: {
    Flags: { name: 'Flags', namespace: 'T', underlyingType: 'Edm.Int64', isFlags: true, members: [{ name: 'A' }, { name: 'B' }] },
    Plain: { name: 'Plain', namespace: 'T', underlyingType: 'Edm.Int32', isFlags: false, members: [{ name: 'X' }] },
  },
};

const str = (name: string, maxLength?: number | 'max'): FieldModel => ({
  name,
  type: { kind: 'primitive', name: 'Edm.String' },
  collection: false,
  nullable: true,
  ...(maxLength === undefined ? {} : { maxLength }),
});
const prim = (name: string, type: string, collection = false): FieldModel =>
  ({ name, type: { kind: 'primitive', name: type }, collection, nullable: true }) as FieldModel;

describe('Solr field types', () => {
  it('makes long or remark-like strings text_general and keeps short strings and keys exact', () => {
    expect(planSolrField(str('City', 50), model, { isKey: false }).type).toBe('string');
    expect(planSolrField(str('City', 255), model, { isKey: false }).type).toBe('string');
    expect(planSolrField(str('PublicRemarks', 4000), model, { isKey: false }).type).toBe('text_general');
    expect(planSolrField(str('Notes', 'max'), model, { isKey: false }).type).toBe('text_general');
    expect(planSolrField(str('PrivateRemarks'), model, { isKey: false }).type).toBe('text_general');
    expect(planSolrField(str('StreetName'), model, { isKey: false }).type).toBe('string');
    expect(planSolrField(str('ListingKey', 'max'), model, { isKey: true }).type).toBe('string');
  });

  it('maps numbers, dates, booleans, enums, collections and opaque values', () => {
    const type = (f: FieldModel) => {
      const p = planSolrField(f, model, { isKey: false });
      return [p.type, p.multiValued, p.indexed];
    };
    expect(type(prim('A', 'Edm.Int32'))).toEqual(['pint', false, true]);
    expect(type(prim('A', 'Edm.Int64'))).toEqual(['plong', false, true]);
    expect(type(prim('A', 'Edm.Decimal'))).toEqual(['pdouble', false, true]);
    expect(type(prim('A', 'Edm.DateTimeOffset'))).toEqual(['pdate', false, true]);
    expect(type(prim('A', 'Edm.Date'))).toEqual(['pdate', false, true]);
    expect(type(prim('A', 'Edm.Boolean'))).toEqual(['boolean', false, true]);
    expect(type(prim('A', 'Edm.String', true))).toEqual(['string', true, true]);
    expect(type({ name: 'E', type: { kind: 'enum', name: 'Flags' }, collection: false, nullable: true })).toEqual(['string', true, true]);
    expect(type({ name: 'E', type: { kind: 'enum', name: 'Plain' }, collection: false, nullable: true })).toEqual(['string', false, true]);
    expect(type({ name: 'C', type: { kind: 'complex', name: 'Addr' }, collection: false, nullable: true })).toEqual([
      'string',
      false,
      false,
    ]);
    expect(type(prim('P', 'Edm.GeographyPoint'))).toEqual(['location', false, true]);
  });

  it('converts values, refusing what would not be stored faithfully', () => {
    const plan = (f: FieldModel) => planSolrField(f, model, { isKey: false });
    expect(toSolrValue(plan(prim('T', 'Edm.DateTimeOffset')), '2024-05-01T05:00:00.1239999-07:00')).toBe('2024-05-01T12:00:00.123Z');
    expect(toSolrValue(plan(prim('D', 'Edm.Date')), '2024-04-30')).toBe('2024-04-30T00:00:00Z');
    expect(toSolrValue(plan({ name: 'E', type: { kind: 'enum', name: 'Flags' }, collection: false, nullable: true }), 'A,B')).toEqual([
      'A',
      'B',
    ]);
    expect(toSolrValue(plan(prim('N', 'Edm.Int64')), '9007199254740993')).toBe('9007199254740993');
    expect(toSolrValue(plan(prim('N', 'Edm.Int32')), 12)).toBe(12);
    expect(toSolrValue(plan(prim('P', 'Edm.GeographyPoint')), { type: 'Point', coordinates: [-122.6, 45.5] })).toBe('45.5,-122.6');
    expect(toSolrValue(plan(prim('S', 'Edm.String')), null)).toBeUndefined();
    expect(() => toSolrValue(plan(prim('N', 'Edm.Int16')), 40000)).toThrow(SolrValueRejected);
    expect(() => toSolrValue(plan(prim('T', 'Edm.DateTimeOffset')), 'TBD')).toThrow(/expected a timestamp/);
    expect(() => toSolrValue(plan(prim('S', 'Edm.String')), ['a'])).toThrow(/expected text/);
    expect(toSolrInstant('2024-05-01T12:00:00Z')).toBe('2024-05-01T12:00:00.000Z');
  });

  it('derives a location from each Latitude/Longitude pair and leaves out invalid coordinates', () => {
    const fields = [
      prim('Latitude', 'Edm.Decimal'),
      prim('Longitude', 'Edm.Decimal'),
      prim('ListingLatitude', 'Edm.Double'),
      prim('ListingLongitude', 'Edm.Double'),
      prim('OtherLatitude', 'Edm.Double'),
    ];
    expect(deriveLocations(fields)).toEqual([
      { name: 'location', latitude: 'Latitude', longitude: 'Longitude' },
      { name: 'ListingLocation', latitude: 'ListingLatitude', longitude: 'ListingLongitude' },
    ]);
    expect(latLon('45.5', -122.6)).toBe('45.5,-122.6');
    expect(latLon(91, 0)).toBeUndefined();
    expect(latLon(0, 0)).toBeUndefined();
    expect(latLon(null, 1)).toBeUndefined();
  });
});

describe('Solr query values', () => {
  it('quotes every value and escapes quotes and backslashes', () => {
    expect(quoteTerm('a"b\\c d:e*')).toBe('"a\\"b\\\\c d:e*"');
    expect(anyOf('id', ['x', 'y"'])).toBe('id:("x" OR "y\\"")');
  });
});
