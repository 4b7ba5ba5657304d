/**
 * The PostgreSQL column types against the real server: every entity type of every metadata
 * fixture becomes a valid table (identifiers within 63 bytes, within 1,600 columns), and each
 * type keeps a representative value exactly.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PG_MAX_COLUMNS, planPgColumn } from '../../activities/destinations/postgres/columns';
import { pgIdentifiers, quotePgIdent } from '../../activities/destinations/postgres/identifiers';
import { openPgPool } from '../../activities/destinations/postgres/pool';
import { parseEdmx, type FieldModel } from '../../activities/source/metadata';
import { fromRoot } from '../../scripts/lib/paths';
import { uniqueName } from '../support/stack';

const fixtures = fromRoot('test', 'fixtures', 'metadata');
let pool: pg.Pool;
let database: string;

beforeAll(async () => {
  database = uniqueName('t_pgcols');
  const url = new URL(inject('pgServerUrl'));
  url.pathname = `/${database}`;
  pool = await openPgPool(url.toString());
});

afterAll(async () => {
  await pool?.end();
  const admin = await openPgPool(inject('pgServerUrl'), { createDatabase: false });
  await admin.query(`DROP DATABASE IF EXISTS ${quotePgIdent(database)}`).finally(() => admin.end());
});

describe('PostgreSQL columns', () => {
  it('makes a valid table of every entity type in every metadata fixture', async () => {
    const files = (await readdir(fixtures)).filter((file) => file.endsWith('.xml'));
    expect(files.length).toBeGreaterThan(0);
    let tables = 0;
    for (const file of files) {
      const model = parseEdmx(await readFile(join(fixtures, file), 'utf8'));
      const schema = quotePgIdent(file.replace(/\.xml$/, '').slice(0, 60));
      await pool.query(`CREATE SCHEMA ${schema}`);
      for (const entity of Object.values(model.entityTypes)) {
        const columns = pgIdentifiers(
          entity.fields.map((f: FieldModel) => f.name),
          'column',
        );
        const keys = new Set(entity.key);
        const plans = entity.fields.map((f) => planPgColumn(f, columns.get(f.name)!, model, { isKey: keys.has(f.name) }));
        expect(plans.length).toBeLessThan(PG_MAX_COLUMNS);
        const definitions = plans.map((p) => `${quotePgIdent(p.column)} ${p.sqlType}`);
        const primaryKey =
          entity.key.length > 0 ? [`PRIMARY KEY (${entity.key.map((k) => quotePgIdent(columns.get(k)!)).join(', ')})`] : [];
        const table = `${schema}.${quotePgIdent(pgIdentifiers([entity.name]).get(entity.name)!)}`;
        await pool.query(`CREATE TABLE ${table} (${[...definitions, ...primaryKey].join(', ')})`);
        tables++;
      }
    }
    expect(tables).toBeGreaterThan(5);
  });

  it('keeps a representative value of each type exactly', async () => {
    const model = parseEdmx(await readFile(join(fixtures, 'trestle-2019.xml'), 'utf8'));
    const cases: { type: string; extra?: Partial<FieldModel>; value: string; expected: string }[] = [
      { type: 'Edm.String', value: 'Ünïcödé "quoted" \\ text', expected: 'Ünïcödé "quoted" \\ text' },
      { type: 'Edm.Int64', value: '9223372036854775807', expected: '9223372036854775807' },
      { type: 'Edm.Decimal', extra: { precision: 14, scale: 2 }, value: '123456789012.34', expected: '123456789012.34' },
      { type: 'Edm.Decimal', value: '0.000000000000000000001', expected: '0.000000000000000000001' },
      { type: 'Edm.DateTimeOffset', value: '2026-01-02T03:04:05.123456-08:00', expected: '2026-01-02 11:04:05.123456+00' },
      { type: 'Edm.Date', value: '2026-02-28', expected: '2026-02-28' },
      { type: 'Edm.TimeOfDay', value: '23:59:59.999999', expected: '23:59:59.999999' },
      { type: 'Edm.Guid', value: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', expected: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
      { type: 'Edm.Boolean', value: 'true', expected: 'true' },
    ];
    for (const [i, c] of cases.entries()) {
      const field: FieldModel = {
        name: `F${i}`,
        type: { kind: 'primitive', name: c.type as never },
        collection: false,
        nullable: true,
        ...c.extra,
      };
      const plan = planPgColumn(field, field.name, model, { isKey: false });
      const table = quotePgIdent(`v${i}`);
      await pool.query(`CREATE TABLE ${table} (v ${plan.sqlType})`);
      await pool.query(`INSERT INTO ${table} VALUES ($1)`, [c.value]);
      const { rows } = await pool.query<{ v: string }>(`SELECT v::text AS v FROM ${table}`);
      expect({ type: c.type, stored: rows[0]?.v }).toEqual({ type: c.type, stored: c.expected });
    }
  });
});
