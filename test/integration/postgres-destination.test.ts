/**
 * The PostgreSQL destination against the real server from setup: schema from every metadata
 * fixture (and a second apply that changes nothing), a 200-record page of the ~630-field DD 2.0
 * Property (past both the 65,535-parameter and the 8 KB row limits), the MySQL write rules
 * (older timestamps never win, children replaced with their parent, bad values to rejects),
 * byte-ordered key streams and microsecond-exact timestamps whatever the process time zone.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ResourceModel } from '../../activities/destinations';
import { planPgColumn } from '../../activities/destinations/postgres/columns';
import { PostgresDestination } from '../../activities/destinations/postgres/destination';
import { quotePgIdent } from '../../activities/destinations/postgres/identifiers';
import { openPgPool } from '../../activities/destinations/postgres/pool';
import { applyPgTable, COLUMNS_TABLE, desiredTable, REGISTRY_TABLE } from '../../activities/destinations/postgres/schema';
import { findEntityType, parseEdmx, ResourceUnusable, type EdmModel, type FieldModel } from '../../activities/source/metadata';
import { fromRoot } from '../../scripts/lib/paths';
import { listingResource, mediaResource } from '../support/listing-model';
import { uniqueName } from '../support/stack';

const fixtures = fromRoot('test', 'fixtures', 'metadata');
const databases: string[] = [];
const destinations: PostgresDestination[] = [];
const pools: pg.Pool[] = [];

function databaseUrl(): string {
  const name = uniqueName('t_pgdest');
  databases.push(name);
  const url = new URL(inject('pgServerUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}

function destination(url = databaseUrl(), extra: Partial<ConstructorParameters<typeof PostgresDestination>[1]> = {}): PostgresDestination {
  const d = new PostgresDestination('pg', { url, manageSchema: true, ...extra });
  destinations.push(d);
  return d;
}

async function poolOf(url: string): Promise<pg.Pool> {
  const pool = await openPgPool(url);
  pools.push(pool);
  return pool;
}

afterAll(async () => {
  for (const d of destinations) await d.close();
  for (const p of pools) await p.end();
  const admin = new pg.Client({ connectionString: inject('pgServerUrl') });
  await admin.connect();
  try {
    for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${quotePgIdent(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
});

/** A value of the field's type that takes the most room a row can be made to hold in line. */
function worstValue(field: FieldModel, model: EdmModel, i: number): unknown {
  const plan = planPgColumn(field, field.name, model, { isKey: false });
  switch (plan.kind) {
    case 'text':
      // 23 characters: the longest a value stays inside the row (longer ones move to TOAST).
      return `${i}-${field.name}`.padEnd(23, 'x').slice(0, 23);
    case 'bool':
      return true;
    case 'int':
      return Number(plan.max! > 2147483647n ? 2147483647n : plan.max!);
    case 'numeric': {
      const m = /^numeric\((\d+),(\d+)\)$/.exec(plan.sqlType);
      return m
        ? `${'9'.repeat(Math.min(Number(m[1]) - Number(m[2]), 12)) || '0'}.${'9'.repeat(Number(m[2]))}`.replace(/\.$/, '')
        : '12345.678';
    }
    case 'double':
      return 1234.5;
    case 'date':
      return '2026-01-02';
    case 'timestamptz':
      return '2026-01-02T03:04:05.1234567Z';
    case 'time':
      return '12:34:56.123456';
    case 'uuid':
      return randomUUID();
    case 'jsonb':
      return ['A', 'B'];
  }
}

describe('PostgreSQL destination: schema', () => {
  it('applies every metadata fixture, and a second apply changes nothing', async () => {
    const pool = await poolOf(databaseUrl());
    const files = (await readdir(fixtures)).filter((f) => f.endsWith('.xml'));
    let tables = 0;
    for (const file of files) {
      const source = file.replace(/\.xml$/, '');
      const model = parseEdmx(await readFile(join(fixtures, file), 'utf8'));
      const naming = { table: (s: string, r: string) => `${s}_${r}`, field: (_: string, f: string) => f };
      for (const entity of Object.values(model.entityTypes)) {
        let desired;
        try {
          const cursorField = entity.fields.some((f) => f.name === 'ModificationTimestamp') ? 'ModificationTimestamp' : undefined;
          desired = desiredTable({ source, resource: entity.name, entity, model, cursorField }, naming);
        } catch (error) {
          if (error instanceof ResourceUnusable) continue; // no key: the same refusal as MySQL's
          throw error;
        }
        const first = await applyPgTable(pool, desired);
        expect(first.changes[0]).toMatchObject({ action: 'create table', table: desired.table });
        const second = await applyPgTable(pool, desired);
        expect({ table: desired.table, upToDate: second.upToDate, changes: second.changes }).toEqual({
          table: desired.table,
          upToDate: true,
          changes: [],
        });
        // Every field is recorded: in a typed column, or in _raw only.
        const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${quotePgIdent(COLUMNS_TABLE)} WHERE table_name = $1`, [
          desired.table,
        ]);
        expect(Number(rows[0]!.n)).toBe(entity.fields.length);
        tables++;
      }
    }
    expect(tables).toBeGreaterThan(20);
    const { rows } = await pool.query<{ max: number }>(`SELECT max(column_count) AS max FROM ${quotePgIdent(REGISTRY_TABLE)}`);
    expect(rows[0]!.max).toBeLessThanOrEqual(1600);
  });

  it('adds a field the metadata gained and widens an integer, never dropping anything', async () => {
    const url = databaseUrl();
    const pool = await poolOf(url);
    const resource = listingResource();
    const before = desiredTable(resource, { table: (_, r) => r, field: (_, f) => f });
    await applyPgTable(pool, before);
    const grown = parseEdmx(
      (await import('../support/listing-model')).LISTING_EDMX.replace(
        '<Property Name="BedroomsTotal" Type="Edm.Int16"/>',
        '<Property Name="BedroomsTotal" Type="Edm.Int64"/><Property Name="StoriesTotal" Type="Edm.Int32"/>',
      ),
    );
    const after = desiredTable(
      { ...resource, model: grown, entity: findEntityType(grown, 'Listing')! },
      { table: (_, r) => r, field: (_, f) => f },
    );
    const applied = await applyPgTable(pool, after);
    expect(applied.changes.map((c) => `${c.action}: ${c.detail}`)).toEqual([
      'add column: StoriesTotal integer',
      'widen column: BedroomsTotal smallint → bigint (metadata)',
    ]);
    expect((await applyPgTable(pool, after)).changes).toEqual([]);
  });
  it('stores names past 63 bytes under unique shortened identifiers, recorded in the registry', async () => {
    const url = databaseUrl();
    const long = 'WithASuffixLongEnoughToPushEveryNamePastPostgresLimitOf63Bytes';
    const dest = destination(url, { makeFieldName: (_, field) => `${field}${long}`, makeTableName: (_, r) => `${r}${long}` });
    const resource = listingResource();
    await dest.ensureSchema(resource);
    await dest.writePage(resource, [{ ListingKey: 'L', ModificationTimestamp: '2026-05-02T00:00:00Z', City: 'Orem', ListPrice: 5 }]);
    const pool = await poolOf(url);
    const { rows } = await pool.query<{ field: string; column_name: string }>(
      `SELECT field, column_name FROM ${quotePgIdent(COLUMNS_TABLE)} ORDER BY field`,
    );
    expect(rows.length).toBe(resource.entity.fields.length);
    expect(new Set(rows.map((r) => r.column_name)).size).toBe(rows.length);
    for (const row of rows) expect(Buffer.byteLength(row.column_name)).toBeLessThanOrEqual(63);
    const plan = await dest.tablePlan(resource);
    const city = plan.byField.get('City')!.column;
    const stored = await pool.query<{ city: string }>(`SELECT ${quotePgIdent(city)} AS city FROM ${quotePgIdent(plan.table)}`);
    expect(stored.rows).toEqual([{ city: 'Orem' }]);
  });

  it('lets two workers apply the same schema at once: one creates, the other finds it done', async () => {
    const url = databaseUrl();
    const [a, b] = [destination(url), destination(url)];
    const resource = mediaResource();
    const [ca, cb] = await Promise.all([a.ensureSchema(resource), b.ensureSchema(resource)]);
    const creates = [...ca, ...cb].filter((c) => c.action === 'create table').map((c) => c.table);
    expect(creates.sort()).toEqual(['Listing', 'ListingMedia']);
    expect(await destination(url).ensureSchema(resource)).toEqual([]);
  });
});

describe('PostgreSQL destination: writes', () => {
  it('upserts a 200-record page of the ~630-field DD 2.0 Property, every record kept whole', async () => {
    const model = parseEdmx(await readFile(join(fixtures, 'reso-dd-2.0-lookup-resource.xml'), 'utf8'));
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
    const url = databaseUrl();
    const dest = destination(url);
    await dest.ensureSchema(resource);
    const plan = await dest.tablePlan(resource);
    // Typed columns for what fits a worst-case row; the rest in _raw only (never a failed row).
    expect(plan.columns.length + plan.spilled.length).toBe(entity.fields.length);
    expect(plan.spilled.length).toBeGreaterThan(0);
    const records = Array.from({ length: 200 }, (_, i) => {
      const record: Record<string, unknown> = {};
      for (const field of entity.fields) record[field.name] = worstValue(field, model, i);
      record.ListingKey = `P${String(i).padStart(4, '0')}`;
      return record;
    });
    // Multi-row VALUES would need one parameter per cell.
    expect(records.length * (entity.fields.length + 1)).toBeGreaterThan(65_535);
    const started = performance.now();
    const result = await dest.writePage(resource, records);
    const seconds = (performance.now() - started) / 1000;
    const again = performance.now();
    await dest.writePage(resource, records);
    const update = (performance.now() - again) / 1000;
    console.log(
      `postgres: ${records.length} × ${entity.fields.length} fields (${plan.columns.length} typed, ${plan.spilled.length} in _raw only, ` +
        `worst row ${plan.worstRowBytes} B): insert ${seconds.toFixed(2)} s (${Math.round(records.length / seconds)} rows/s), ` +
        `update ${update.toFixed(2)} s (${Math.round(records.length / update)} rows/s)`,
    );
    expect(result.rejects).toEqual([]);
    expect(result.upserted).toBe(200);
    expect(await dest.count(resource)).toBe(200);
    const stored = await dest.readRecord(resource, 'P0042');
    expect(stored).toEqual(JSON.parse(JSON.stringify(records[42])));

    // The same worst-case row with every field typed is what the budget avoids.
    const pool = await poolOf(url);
    const all = desiredTable(resource, { table: () => 'AllTyped', field: (_, f) => f });
    await pool.query(`CREATE TABLE "AllTyped" (${all.columns.map((c) => `${quotePgIdent(c.column)} ${c.sqlType}`).join(', ')})`);
    const cols = all.columns.map((c) => quotePgIdent(c.column)).join(', ');
    const doc: Record<string, unknown> = {};
    for (const c of all.columns) doc[c.column] = records[0]![c.field];
    await expect(
      pool.query(`INSERT INTO "AllTyped" (${cols}) SELECT ${cols} FROM jsonb_populate_record(NULL::"AllTyped", $1::jsonb)`, [
        JSON.stringify(doc),
      ]),
    ).rejects.toThrow(/row is too big/);
  });

  it('never lets an older ModificationTimestamp overwrite a newer one', async () => {
    const dest = destination();
    const resource = listingResource();
    await dest.ensureSchema(resource);
    await dest.writePage(resource, [{ ListingKey: 'A', ModificationTimestamp: '2026-05-02T00:00:00Z', City: 'New' }]);
    await dest.writePage(resource, [{ ListingKey: 'A', ModificationTimestamp: '2026-05-01T00:00:00Z', City: 'Old' }]);
    expect(await dest.readRecord(resource, 'A')).toMatchObject({ City: 'New' });
    // The same timestamp again refreshes the row (a retried page is idempotent).
    await dest.writePage(resource, [{ ListingKey: 'A', ModificationTimestamp: '2026-05-02T00:00:00Z', City: 'Same' }]);
    expect(await dest.readRecord(resource, 'A')).toMatchObject({ City: 'Same' });
  });

  it('replaces the children of updated parents only, and purges them with the parent', async () => {
    const dest = destination();
    const resource = mediaResource();
    await dest.ensureSchema(resource);
    const media = (...keys: string[]) => keys.map((k, i) => ({ MediaKey: k, MediaURL: `https://x/${k}`, Order: i }));
    await dest.writePage(resource, [
      { ListingKey: 'P1', ModificationTimestamp: '2026-05-02T00:00:00Z', City: 'A', Media: media('m1', 'm2') },
      { ListingKey: 'P2', ModificationTimestamp: '2026-05-02T00:00:00Z', City: 'B', Media: media('n1') },
    ]);
    const newer = await dest.writePage(resource, [
      { ListingKey: 'P1', ModificationTimestamp: '2026-05-03T00:00:00Z', City: 'A2', Media: media('m3') },
      { ListingKey: 'P2', ModificationTimestamp: '2026-05-01T00:00:00Z', City: 'B-old', Media: media('n9') },
    ]);
    expect(newer.children?.[0]).toMatchObject({ parentsReplaced: 1, upserted: 1, deleted: 2 });
    expect(((await dest.readRecord(resource, 'P1'))!.Media as { MediaKey: string }[]).map((m) => m.MediaKey)).toEqual(['m3']);
    const p2 = (await dest.readRecord(resource, 'P2'))!;
    expect({ city: p2.City, media: (p2.Media as { MediaKey: string }[]).map((m) => m.MediaKey) }).toEqual({ city: 'B', media: ['n1'] });
    expect(await dest.deleteRecords(resource, ['P1', 'absent'])).toBe(1);
    const pool = await poolOf((dest as unknown as { config: { url: string } }).config.url);
    const { rows } = await pool.query<{ k: string }>(`SELECT "MediaKey" AS k FROM "ListingMedia" ORDER BY 1`);
    expect(rows.map((r) => r.k)).toEqual(['n1']);
  });

  it('sends bad values to rejects while the rest of the page lands', async () => {
    const dest = destination();
    const resource = listingResource();
    await dest.ensureSchema(resource);
    const ts = '2026-05-02T00:00:00Z';
    const result = await dest.writePage(resource, [
      { ListingKey: 'ok1', ModificationTimestamp: ts, BedroomsTotal: 3 },
      { ListingKey: 'bad', ModificationTimestamp: ts, BedroomsTotal: 'three' },
      // Passes the client's checks, refused by the server (numeric(10,2) overflow): found by bisection.
      { ListingKey: 'big', ModificationTimestamp: ts, ListPrice: '1e20' },
      { ListingKey: 'ok2', ModificationTimestamp: ts, City: 'Provo' },
    ]);
    expect(result.upserted).toBe(2);
    expect(result.rejects.map((r) => [r.key, r.field])).toEqual([
      ['bad', 'BedroomsTotal'],
      ['big', null],
    ]);
    expect(result.rejects[1]!.reason).toMatch(/PostgreSQL refused the row: numeric field overflow/);
    expect(await dest.count(resource)).toBe(2);
  });

  it('streams keys in byte order with their cursor, page by page', async () => {
    const dest = destination();
    const resource = listingResource();
    await dest.ensureSchema(resource);
    const keys = ['b', 'B', '_', 'Z', 'ä', '10', '9', 'a'];
    await dest.writePage(
      resource,
      keys.map((k) => ({ ListingKey: k, ModificationTimestamp: '2026-05-02T01:02:03.5Z' })),
    );
    const expected = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const first = await dest.readKeys(resource, null, 5);
    const rest = await dest.readKeys(resource, first.at(-1)!.key, 5);
    expect([...first, ...rest].map((k) => k.key)).toEqual(expected);
    expect(first[0]!.cursor).toBe('2026-05-02 01:02:03.500000');
    expect(await dest.keysNotAfter(resource, ['a', 'b', 'nope'], '2026-05-02T01:02:03.5Z')).toEqual(expect.arrayContaining(['a', 'b']));
    expect(await dest.keysNotAfter(resource, ['a'], '2026-05-02T01:02:03.4999999Z')).toEqual([]);
  });

  it('stores timestamps exact to the microsecond, cut and never rounded, in any process time zone', async () => {
    const previous = process.env.TZ;
    process.env.TZ = 'Pacific/Chatham';
    try {
      const dest = destination();
      const resource = listingResource();
      await dest.ensureSchema(resource);
      await dest.writePage(resource, [
        { ListingKey: 'x', ModificationTimestamp: '2026-03-08T02:30:00.1234567-08:00' },
        { ListingKey: 'y', ModificationTimestamp: '2026-03-08T10:30:00.9999999Z' },
      ]);
      const keys = await dest.readKeys(resource, null, 10);
      expect(keys).toEqual([
        { key: 'x', cursor: '2026-03-08 10:30:00.123456' },
        { key: 'y', cursor: '2026-03-08 10:30:00.999999' },
      ]);
      expect(await dest.highWaterMark(resource)).toEqual({ timestamp: '2026-03-08T10:30:00.9999990Z', key: '' });
      expect(await dest.highWaterTie(resource)).toEqual({
        timestamp: '2026-03-08T10:30:00.9999990Z',
        until: '2026-03-08T10:30:01.0000000Z',
        rows: 1,
        greatestKey: 'y',
      });
      // The raw record keeps what the MLS sent, all seven digits.
      expect(await dest.readRecord(resource, 'x')).toMatchObject({ ModificationTimestamp: '2026-03-08T02:30:00.1234567-08:00' });
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  });
});

describe('PostgreSQL destination: hooks', () => {
  it('applies transform and keyMapping to parents and children, and reads them back by MLS key', async () => {
    const url = databaseUrl();
    const dest = destination(url, {
      transform: (resource, record, context) => {
        if (record.City === 'skip') return null;
        return resource === 'ListingMedia'
          ? { ...record, MediaURL: `${String(context.parent?.City)}:${String(record.MediaURL)}` }
          : { ...record, City: String(record.City).toUpperCase() };
      },
      keyMapping: { toDestination: (key) => `mls-${key}`, toMls: (key) => key.replace(/^mls-/, '') },
    });
    const resource = mediaResource();
    await dest.ensureSchema(resource);
    const result = await dest.writePage(resource, [
      { ListingKey: 'K1', ModificationTimestamp: '2026-05-02T00:00:00Z', City: 'provo', Media: [{ MediaKey: 'M1', MediaURL: 'u' }] },
      { ListingKey: 'K2', ModificationTimestamp: '2026-05-01T00:00:00Z', City: 'skip' },
    ]);
    expect({ upserted: result.upserted, skipped: result.skipped }).toEqual({ upserted: 1, skipped: 1 });
    expect((await dest.readKeys(resource, null, 10)).map((k) => k.key)).toEqual(['mls-K1']);
    expect(await dest.highWaterTie(resource)).toMatchObject({ greatestKey: 'K1' });
    expect(await dest.readRecord(resource, 'K1')).toMatchObject({ City: 'PROVO', Media: [{ MediaKey: 'M1', MediaURL: 'PROVO:u' }] });
    // _raw keeps keys as the MLS sent them; the key columns hold them mapped.
    const pool = await poolOf(url);
    const { rows } = await pool.query<{ k: string; p: string }>('SELECT "MediaKey" AS k, _resync_parent_key AS p FROM "ListingMedia"');
    expect(rows).toEqual([{ k: 'mls-M1', p: 'mls-K1' }]);
    expect(await dest.deleteRecords(resource, ['K1'])).toBe(1);
    expect(await dest.count(resource)).toBe(0);
  });
});

describe('PostgreSQL destination: schema option and looking', () => {
  it('keeps its tables in the configured schema, made on the first apply, and reads them there', async () => {
    const url = databaseUrl();
    const dest = destination(url, { schema: 'mls_data' });
    const resource = listingResource();
    await dest.ensureSchema(resource);
    await dest.writePage(resource, [{ ListingKey: 'a', ModificationTimestamp: '2026-05-02T01:02:03Z', City: 'Bend' }]);
    const pool = await poolOf(url);
    const tables = await pool.query<{ s: string; t: string }>(
      `SELECT schemaname AS s, tablename AS t FROM pg_tables WHERE tablename IN ('Listing', '_resync_schema') ORDER BY 2`,
    );
    expect(tables.rows).toEqual([
      { s: 'mls_data', t: 'Listing' },
      { s: 'mls_data', t: '_resync_schema' },
    ]);
    expect(await dest.count(resource)).toBe(1);
    expect(await dest.storedCount('wtest', 'Listing', 'ModificationTimestamp')).toEqual({
      count: 1,
      newest: '2026-05-02T01:02:03.0000000Z',
    });
    // A second instance (another worker) finds the schema made and the table up to date.
    expect(await destination(url, { schema: 'mls_data' }).ensureSchema(resource)).toEqual([]);
  });

  it('counts 0 and compares nothing where nothing was synced yet, creating nothing', async () => {
    const url = databaseUrl();
    const dest = destination(url);
    const resource = mediaResource();
    expect(await dest.storedCount('wtest', 'Listing', 'ModificationTimestamp')).toEqual({ count: 0, newest: null });
    expect(await dest.storedCount('wtest', 'ListingMedia', null)).toEqual({ count: 0, newest: null });
    expect(await dest.countChildren(resource, 'Media')).toEqual({ store: 'ListingMedia', count: 0 });
    const forms = await dest.recordForms(resource, 'a', { ListingKey: 'a', ModificationTimestamp: '2026-05-02T01:02:03Z' });
    expect(forms).toMatchObject({ store: 'Listing', skipped: false, stored: null });
    const admin = await poolOf(inject('pgServerUrl'));
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [new URL(url).pathname.slice(1)]);
    expect(exists.rows).toEqual([]);
  });

  it('puts a record in the stored form field by field, and sees a value changed by hand', async () => {
    const url = databaseUrl();
    const dest = destination(url);
    const resource = listingResource();
    await dest.ensureSchema(resource);
    const record = {
      ListingKey: 'k1',
      ModificationTimestamp: '2026-05-02T01:02:03.1234567Z',
      CloseDate: '2026-01-02',
      City: 'Bend',
      ListingGuid: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
      BedroomsTotal: 3,
      ListPrice: 450000.5,
      WaterfrontYN: false,
    };
    await dest.writePage(resource, [record]);
    const same = await dest.recordForms(resource, 'k1', record);
    expect(same.stored).toEqual(same.wanted);
    expect(same.wanted).toMatchObject({ ModificationTimestamp: '2026-05-02T01:02:03.1234560Z', ListPrice: '450000.5', BedroomsTotal: '3' });
    const pool = await poolOf(url);
    await pool.query(`UPDATE "Listing" SET "ListPrice" = 1 WHERE "ListingKey" = 'k1'`);
    const changed = await dest.recordForms(resource, 'k1', record);
    expect(changed.stored).toEqual({ ...changed.wanted, ListPrice: '1' });
    // Gone from the MLS: no wanted form, the stored row still there (stale).
    expect(await dest.recordForms(resource, 'k1', null)).toMatchObject({ wanted: null, stored: expect.objectContaining({ City: 'Bend' }) });
  });
});
