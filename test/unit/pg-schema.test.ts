/**
 * The PostgreSQL schema plan and value conversion, without a server: which fields get typed
 * columns within the worst-case row and the 1,600 slots, which type changes are widenings, and
 * values cut (never rounded) or refused rather than altered.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planPgColumn } from '../../activities/destinations/postgres/columns';
import {
  desiredTable,
  fitTable,
  isWidening,
  normaliseType,
  PG_ROW_BYTE_BUDGET,
  worstInlineBytes,
  type LiveTable,
  type PgTablePlan,
} from '../../activities/destinations/postgres/schema';
import { PgValueRejected, toPgCell } from '../../activities/destinations/postgres/values';
import { findEntityType, parseEdmx, type FieldModel } from '../../activities/source/metadata';
import { fromRoot } from '../../scripts/lib/paths';
import { listingResource } from '../support/listing-model';

const naming = { table: (_: string, r: string) => r, field: (_: string, f: string) => f };

function ddProperty() {
  const model = parseEdmx(readFileSync(fromRoot('test', 'fixtures', 'metadata', 'reso-dd-2.0-lookup-resource.xml'), 'utf8'));
  const entity = findEntityType(model, 'Property')!;
  return { source: 'dd', resource: 'Property', entity, model, cursorField: 'ModificationTimestamp' };
}

/** The table an apply of `plan` leaves behind. */
function liveOf(plan: PgTablePlan): LiveTable {
  const columns = new Map(plan.columns.map((c) => [c.column, normaliseType(c.sqlType)]));
  columns.set('_raw', 'jsonb');
  return { columns, slots: columns.size, hasPrimaryKey: true, indexes: new Set([plan.cursorIndex]) };
}

describe('PostgreSQL table plan', () => {
  it('types the fields of a wide table only while a worst-case row fits, keys and common fields first', () => {
    const resource = ddProperty();
    const plan = fitTable(desiredTable(resource, naming), undefined);
    const worst = worstInlineBytes('jsonb') + plan.columns.reduce((sum, c) => sum + worstInlineBytes(c.sqlType), 0);
    expect(worst).toBe(plan.worstRowBytes);
    expect(worst).toBeLessThanOrEqual(PG_ROW_BYTE_BUDGET);
    expect(plan.columns.length + plan.spilled.length).toBe(resource.entity.fields.length);
    expect(plan.columns.slice(0, 2).map((c) => c.field)).toEqual(['ListingKey', 'ModificationTimestamp']);
    const typed = new Set(plan.columns.map((c) => c.field));
    for (const field of ['StandardStatus', 'ListPrice', 'PostalCode', 'PublicRemarks', 'YearBuilt']) expect(typed).toContain(field);
    // Collections come last: they are jsonb in _raw anyway.
    expect(plan.spilled.every((s) => s.reason === 'row budget')).toBe(true);
    expect(plan.columns.filter((c) => c.kind === 'jsonb')).toEqual([]);
  });

  it('gives typed columns first to the fields the config prefers', () => {
    const resource = ddProperty();
    const plan = fitTable(desiredTable(resource, naming, { preferTyped: ['ZoningDescription', 'Appliances'] }), undefined);
    expect(plan.columns.slice(2, 4).map((c) => c.field)).toEqual(['ZoningDescription', 'Appliances']);
  });

  it('plans exactly the table it made on the next run, and keeps typing what the table already has', () => {
    const resource = ddProperty();
    const desired = desiredTable(resource, naming);
    const first = fitTable(desired, undefined);
    const again = fitTable(desired, liveOf(first));
    expect({ typed: again.columns.map((c) => c.column), widen: again.widen }).toEqual({
      typed: first.columns.map((c) => c.column),
      widen: [],
    });
    // A field the first run left in _raw stays there even if a typed field is later removed from metadata:
    // the table keeps the column, and its room.
    const fewer = { ...resource, entity: { ...resource.entity, fields: resource.entity.fields.filter((f) => f.name !== 'YearBuilt') } };
    const later = fitTable(desiredTable(fewer, naming), liveOf(first));
    expect(later.spilled.map((s) => s.field)).toEqual(first.spilled.map((s) => s.field));
  });

  it('never passes 1,600 column slots, dropped columns included', () => {
    const desired = desiredTable(listingResource(), naming);
    const live: LiveTable = {
      columns: new Map([
        ['ListingKey', 'text'],
        ['ModificationTimestamp', 'timestamp(6) with time zone'],
        ['_raw', 'jsonb'],
      ]),
      slots: 1599,
      hasPrimaryKey: true,
      indexes: new Set(),
    };
    const plan = fitTable(desired, live);
    expect(plan.columns.map((c) => c.field)).toEqual(['ListingKey', 'ModificationTimestamp', 'ListPrice']);
    expect(plan.spilled.map((s) => s.reason)).toEqual(Array(plan.spilled.length).fill('column limit'));
  });

  it('widens only where no stored value can be lost', () => {
    expect(isWidening('smallint', 'bigint')).toBe(true);
    expect(isWidening('bigint', 'integer')).toBe(false);
    expect(isWidening('numeric(10,2)', 'numeric(12,3)')).toBe(true);
    expect(isWidening('numeric(10,2)', 'numeric(10,3)')).toBe(false);
    expect(isWidening('numeric(10,2)', 'numeric')).toBe(true);
    expect(isWidening('timestamp(3) with time zone', 'timestamptz(6)')).toBe(true);
    expect(isWidening('text', 'integer')).toBe(false);
  });
});

describe('PostgreSQL values', () => {
  const field = (type: string, extra: Partial<FieldModel> = {}): FieldModel => ({
    name: 'F',
    type: { kind: 'primitive', name: type as never },
    collection: false,
    nullable: true,
    ...extra,
  });
  const model = listingResource().model;
  const cell = (f: FieldModel, value: unknown) => toPgCell(planPgColumn(f, 'F', model, { isKey: false }), value);

  it('cuts timestamps to the column precision in UTC, never rounding up', () => {
    expect(cell(field('Edm.DateTimeOffset'), '2026-12-31T23:59:59.9999999Z')).toBe('2026-12-31 23:59:59.999999+00');
    expect(cell(field('Edm.DateTimeOffset', { precision: 3 }), '2026-01-02T03:04:05.9999-08:00')).toBe('2026-01-02 11:04:05.999+00');
    expect(() => cell(field('Edm.DateTimeOffset'), 'yesterday')).toThrow(PgValueRejected);
  });

  it('refuses what PostgreSQL would round, cut or refuse', () => {
    expect(() => cell(field('Edm.Decimal', { precision: 10, scale: 2 }), '1.234')).toThrow(/more decimal places/);
    expect(() => cell(field('Edm.Int16'), 40000)).toThrow(/out of range/);
    expect(() => cell(field('Edm.String'), 'a\u0000b')).toThrow(/NUL/);
    expect(() => cell(field('Edm.Guid'), 'not-a-guid')).toThrow(/Guid/);
    expect(cell(field('Edm.Int64'), '9223372036854775807.0')).toBe('9223372036854775807');
    expect(cell(field('Edm.String', { collection: true }), 'A, B')).toEqual(['A', 'B']);
  });
});
