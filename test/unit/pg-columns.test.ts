import { describe, expect, it } from 'vitest';
import { planPgColumn } from '../../activities/destinations/postgres/columns';
import type { EdmModel, FieldModel } from '../../activities/source/metadata';

const model: EdmModel = {
  namespaces: ['x'],
  entityTypes: {},
  complexTypes: {},
  entitySets: [],
  problems: [],
  enumTypes: {
    StandardStatus: { name: 'StandardStatus', namespace: 'x', underlyingType: 'Edm.Int32', isFlags: false, members: [{ name: 'Active' }] },
    Features: { name: 'Features', namespace: 'x', underlyingType: 'Edm.Int64', isFlags: true, members: [{ name: 'A' }] },
  },
};

function field(name: string, type: FieldModel['type'], extra: Partial<FieldModel> = {}): FieldModel {
  return { name, type, collection: false, nullable: true, ...extra };
}
const prim = (name: string) => ({ kind: 'primitive', name }) as FieldModel['type'];
const plan = (f: FieldModel, isKey = false) => planPgColumn(f, f.name, model, { isKey });

describe('EDM → PostgreSQL column types', () => {
  it('maps every primitive with its facets', () => {
    expect(plan(field('K', prim('Edm.String'), { maxLength: 40 }), true).sqlType).toBe('text COLLATE "C"');
    expect(plan(field('S', prim('Edm.String'), { maxLength: 25 })).sqlType).toBe('text');
    expect(plan(field('S', prim('Edm.String'), { maxLength: 'max' })).sqlType).toBe('text');
    expect(plan(field('B', prim('Edm.Boolean'))).sqlType).toBe('boolean');
    expect(plan(field('B', prim('Edm.Byte')))).toMatchObject({ sqlType: 'smallint', min: 0n, max: 255n });
    expect(plan(field('I', prim('Edm.Int32'))).sqlType).toBe('integer');
    expect(plan(field('I', prim('Edm.Int64'))).sqlType).toBe('bigint');
    expect(plan(field('D', prim('Edm.Decimal'), { precision: 14, scale: 2 })).sqlType).toBe('numeric(14,2)');
    expect(plan(field('D', prim('Edm.Decimal'), { precision: 14 })).sqlType).toBe('numeric');
    expect(plan(field('D', prim('Edm.Decimal'), { precision: 14, scale: 'variable' })).sqlType).toBe('numeric');
    expect(plan(field('D', prim('Edm.Decimal'), { precision: 2, scale: 5 })).sqlType).toBe('numeric');
    expect(plan(field('F', prim('Edm.Single'))).sqlType).toBe('double precision');
    expect(plan(field('T', prim('Edm.DateTimeOffset'))).sqlType).toBe('timestamptz(6)');
    expect(plan(field('T', prim('Edm.DateTimeOffset'), { precision: 27 })).sqlType).toBe('timestamptz(6)');
    expect(plan(field('T', prim('Edm.DateTimeOffset'), { precision: 3 }))).toMatchObject({ sqlType: 'timestamptz(3)', fraction: 3 });
    expect(plan(field('G', prim('Edm.Guid'))).sqlType).toBe('uuid');
    expect(plan(field('Tm', prim('Edm.TimeOfDay'))).sqlType).toBe('time(6)');
    expect(plan(field('Dt', prim('Edm.Date'))).sqlType).toBe('date');
    expect(plan(field('Du', prim('Edm.Duration'))).sqlType).toBe('text');
    expect(plan(field('P', prim('Edm.GeographyPoint'))).sqlType).toBe('jsonb');
  });

  it('stores collections, complex values and points as jsonb, and enums and lookups as text', () => {
    expect(plan(field('C', prim('Edm.String'), { collection: true })).sqlType).toBe('jsonb');
    expect(plan(field('X', { kind: 'complex', name: 'Address' })).sqlType).toBe('jsonb');
    expect(plan(field('E', { kind: 'enum', name: 'StandardStatus' }))).toEqual({ field: 'E', column: 'E', kind: 'text', sqlType: 'text' });
    expect(plan(field('F', { kind: 'enum', name: 'Features' })).flags).toBe(true);
    expect(plan(field('L', prim('Edm.String'), { lookupName: 'Appliances' })).flags).toBe(true);
    expect(plan(field('U', { kind: 'unknown', raw: 'Foo.Bar' }))).toMatchObject({ sqlType: 'text', lenient: true });
  });
});
