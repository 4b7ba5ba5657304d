/**
 * The MySQL destination's writer against the real MariaDB, on a table made from a small inline
 * EDMX: bad values become rejects without costing other records, text that outgrows its column
 * widens it, older records never overwrite newer ones, timestamps stay UTC whatever the process
 * time zone, and naming hooks and undeclared fields lose nothing.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { withDatabase, type MysqlDestinationConfig } from '../../config';
import { MysqlDestination } from '../../activities/destinations/mysql';
import { fromRoot } from '../../scripts/lib/paths';
import { listingResource } from '../support/listing-model';
import { startPrivateMariaDb, type PrivateMariaDb } from '../support/small-packet-mariadb';
import { query, uniqueName } from '../support/stack';

const run = promisify(execFile);
const databases: string[] = [];
const open: MysqlDestination[] = [];

function destination(extra: Partial<MysqlDestinationConfig> = {}, url = freshDatabase()): { dest: MysqlDestination; url: string } {
  const dest = new MysqlDestination('t', { type: 'mysql', url, manageSchema: true, ...extra });
  open.push(dest);
  return { dest, url };
}

function freshDatabase(): string {
  const db = uniqueName('t_writer');
  databases.push(db);
  return withDatabase(inject('mysqlServerUrl'), db);
}

async function columnType(url: string, table: string, column: string): Promise<string | undefined> {
  const rows = await query<{ t: string }>(
    url,
    'SELECT COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?',
    [table, column],
  );
  return rows[0]?.t;
}

afterAll(async () => {
  for (const dest of open) await dest.close();
  const admin = withDatabase(inject('mysqlServerUrl'), 'mysql');
  for (const db of databases) await query(admin, `DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined);
});

const TS = '2024-05-01T12:00:00.1234567Z';
const good = (key: string, extra: Record<string, unknown> = {}) => ({
  ListingKey: key,
  ModificationTimestamp: TS,
  CloseDate: '2024-04-30',
  City: 'Springfld',
  PublicRemarks: 'Quiet street.',
  ListingGuid: '0f8fad5b-d9cb-469f-a165-70867728950e',
  BedroomsTotal: 3,
  ListPrice: 450000.5,
  WaterfrontYN: false,
  ...extra,
});

describe('MySQL writer: bad values', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['a date of "TBD"', { CloseDate: 'TBD' }, 'CloseDate', /expected a date/],
    ['a GUID longer than CHAR(36)', { ListingGuid: `${'a'.repeat(36)}-extra` }, 'ListingGuid', /exceeds CHAR\(36\)/],
    ['an integer out of range', { BedroomsTotal: 40000 }, 'BedroomsTotal', /out of range for SMALLINT/],
    ['an object for a number', { ListPrice: { amount: 5 } }, 'ListPrice', /expected a number/],
    ['a decimal with too many places', { ListPrice: 12.345 }, 'ListPrice', /more decimal places than DECIMAL\(10,2\)/],
    ['a boolean that is not one', { WaterfrontYN: 'maybe' }, 'WaterfrontYN', /expected a boolean/],
  ];

  it('rejects each bad record with its field and reason, and lands every other record', async () => {
    const { dest, url } = destination();
    const resource = listingResource();
    await dest.ensureSchema(resource);
    const bad = cases.map(([, values], i) => good(`BAD${i}`, values));
    // A key too long even for VARCHAR(255): keys widen, but not past an indexable VARCHAR.
    const longKey = 'K'.repeat(300);
    const records = [good('OK1'), ...bad, good('OK2'), good(longKey), good('OK3')];

    const result = await dest.writePage(resource, records);

    expect(result.upserted).toBe(3);
    const byKey = new Map(result.rejects.map((r) => [r.key, r]));
    cases.forEach(([what, , field, reason], i) => {
      const reject = byKey.get(`BAD${i}`);
      expect(reject, what).toBeDefined();
      expect(reject?.field, what).toBe(field);
      expect(reject?.reason, what).toMatch(reason);
      expect(reject?.record, what).toBe(bad[i]);
    });
    expect(byKey.get(longKey)).toMatchObject({ field: 'ListingKey', reason: expect.stringMatching(/300 characters exceeds VARCHAR/) });
    expect(result.rejects).toHaveLength(cases.length + 1);

    const rows = await query<Record<string, unknown>>(url, 'SELECT * FROM Listing ORDER BY ListingKey');
    expect(rows.map((r) => r.ListingKey)).toEqual(['OK1', 'OK2', 'OK3']);
    expect(rows[0]).toMatchObject({
      CloseDate: '2024-04-30',
      City: 'Springfld',
      BedroomsTotal: 3,
      ListPrice: '450000.50',
      WaterfrontYN: 0,
    });
    // The key column was not touched for a value it can never hold.
    expect(await columnType(url, 'Listing', 'ListingKey')).toBe('varchar(20)');
  });
});

describe('MySQL writer: no silent conversions', () => {
  it('rejects wrong types and invalid Guids, reports offset-less timestamps, and writes a repeated key once', async () => {
    const { dest, url } = destination();
    const resource = listingResource();
    await dest.ensureSchema(resource);
    const array = good('ARR', { City: ['a', 'b'] });
    const guid = good('GUID', { ListingGuid: 'not-a-guid-at-all' });
    const records = [
      good('DUP', { City: 'First' }),
      array,
      guid,
      good('NOZ', { ModificationTimestamp: '2024-05-01T12:00:00.5' }),
      good('DUP', { City: 'Second' }),
    ];

    const result = await dest.writePage(resource, records);

    expect(result.rejects).toEqual([
      { key: 'ARR', field: 'City', reason: 'expected text, got ["a","b"]', record: array },
      { key: 'GUID', field: 'ListingGuid', reason: 'expected a Guid, got "not-a-guid-at-all"', record: guid },
    ]);
    // DUP once (its last copy), NOZ read as UTC by the named rule, counted.
    expect(result.upserted).toBe(2);
    expect(result.decisions).toEqual([
      { decision: 'timestamp-without-offset-read-as-utc', field: 'ModificationTimestamp', records: 1, example: 'NOZ' },
    ]);
    const rows = await query(
      url,
      'SELECT ListingKey AS k, City AS city, CAST(ModificationTimestamp AS CHAR) AS ts FROM Listing ORDER BY 1',
    );
    expect(rows).toEqual([
      { k: 'DUP', city: 'Second', ts: '2024-05-01 12:00:00.123456' },
      { k: 'NOZ', city: 'Springfld', ts: '2024-05-01 12:00:00.500000' },
    ]);
  });
});

describe('MySQL writer: widening', () => {
  it('widens VARCHAR, TEXT and key columns for longer data, logs each change, and lands the records', async () => {
    const { dest, url } = destination();
    const resource = listingResource();
    await dest.ensureSchema(resource);
    const city = 'Llanfairpwllgwyngyll-on-Sea'; // 27 characters: VARCHAR(10) → VARCHAR(27)
    const remarks = 'x'.repeat(20_000); // past TEXT's 16,383 four-byte characters → MEDIUMTEXT
    const key = 'MLS-2024-000000000000001'; // 24 characters: VARCHAR(20) → VARCHAR(40), still the key

    const result = await dest.writePage(resource, [good('W1', { City: city }), good(key, { PublicRemarks: remarks }), good('W3')]);

    expect(result.rejects).toEqual([]);
    expect(result.upserted).toBe(3);
    expect(await columnType(url, 'Listing', 'City')).toBe('varchar(27)');
    expect(await columnType(url, 'Listing', 'PublicRemarks')).toBe('mediumtext');
    expect(await columnType(url, 'Listing', 'ListingKey')).toBe('varchar(40)');
    const keyColumn = await query<{ collation: string; nullable: string }>(
      url,
      "SELECT COLLATION_NAME AS collation, IS_NULLABLE AS nullable FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'Listing' AND COLUMN_NAME = 'ListingKey'",
    );
    expect(keyColumn[0]).toEqual({ collation: 'utf8mb4_bin', nullable: 'NO' });

    const rows = await query<Record<string, unknown>>(
      url,
      'SELECT ListingKey, City, CHAR_LENGTH(PublicRemarks) AS remarks FROM Listing ORDER BY ListingKey',
    );
    expect(rows).toEqual([
      { ListingKey: key, City: 'Springfld', remarks: 20_000 },
      { ListingKey: 'W1', City: city, remarks: 13 },
      { ListingKey: 'W3', City: 'Springfld', remarks: 13 },
    ]);
    const log = await query<{ action: string; detail: string }>(
      url,
      "SELECT action, detail FROM _resync_schema_log WHERE action = 'widen column' ORDER BY detail",
    );
    expect(log.map((l) => l.detail)).toEqual([
      `City VARCHAR(10) → VARCHAR(27): a value of 27 characters (key W1)`,
      `ListingKey VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin → VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin: a value of 24 characters (key ${key})`,
      `PublicRemarks TEXT → MEDIUMTEXT: a value of 20000 characters (key ${key})`,
    ]);

    // A second worker starts from the metadata's plan: it must write into the widened columns as
    // they are, without widening (or narrowing) them again.
    const other = destination({}, url).dest;
    await other.ensureSchema(resource);
    const again = await other.writePage(resource, [good('W4', { City: 'Twenty-character-ci' })]);
    expect(again).toEqual({ upserted: 1, rejects: [], skipped: 0 });
    expect(await query(url, "SELECT COUNT(*) AS n FROM _resync_schema_log WHERE action = 'widen column'")).toEqual([{ n: 3 }]);
    expect(await columnType(url, 'Listing', 'City')).toBe('varchar(27)');
  });

  it('does not alter a table whose schema it does not manage: the record is a reject', async () => {
    const url = freshDatabase();
    const resource = listingResource();
    await destination({}, url).dest.ensureSchema(resource);
    const { dest } = destination({ manageSchema: false }, url);
    const result = await dest.writePage(resource, [good('N1', { City: 'A city name too long' }), good('N2')]);
    expect(result.upserted).toBe(1);
    expect(result.rejects).toEqual([
      expect.objectContaining({ key: 'N1', field: 'City', reason: 'text of 20 characters exceeds VARCHAR(10)' }),
    ]);
    expect(await columnType(url, 'Listing', 'City')).toBe('varchar(10)');
  });
});

describe('MySQL writer: ordering and time', () => {
  it('never lets an older ModificationTimestamp overwrite a newer row', async () => {
    const { dest, url } = destination();
    const resource = listingResource();
    await dest.ensureSchema(resource);
    const newer = '2024-05-01T12:00:00.0000020Z';
    const older = '2024-05-01T12:00:00.0000010Z'; // one microsecond earlier
    await dest.writePage(resource, [good('T1', { ModificationTimestamp: newer, City: 'Newer' })]);
    const late = await dest.writePage(resource, [good('T1', { ModificationTimestamp: older, City: 'Older', BedroomsTotal: 9 })]);
    expect(late.rejects).toEqual([]);
    const read = () =>
      query(url, "SELECT City, BedroomsTotal, CAST(ModificationTimestamp AS CHAR) AS ts FROM Listing WHERE ListingKey = 'T1'");
    expect(await read()).toEqual([{ City: 'Newer', BedroomsTotal: 3, ts: '2024-05-01 12:00:00.000002' }]);
    // The same timestamp again refreshes the row (a re-sent page is idempotent, not ignored).
    await dest.writePage(resource, [good('T1', { ModificationTimestamp: newer, City: 'Resent' })]);
    expect(await read()).toEqual([{ City: 'Resent', BedroomsTotal: 3, ts: '2024-05-01 12:00:00.000002' }]);
  });

  it('stores timestamps in UTC with microseconds whatever the process time zone', async () => {
    const url = freshDatabase();
    // 10:30:15Z on the day US clocks spring forward: a local-time round trip would shift it.
    const runs = [
      { tz: 'America/Los_Angeles', key: 'LA', ts: '2024-03-10T03:30:15.1234567-07:00' },
      { tz: 'Asia/Kolkata', key: 'IN', ts: '2024-03-10T10:30:15.123456Z' },
      { tz: 'UTC', key: 'NOZ', ts: '2024-03-10T10:30:15.1234569' },
    ];
    const offsets = new Set<number>();
    for (const r of runs) {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', fromRoot('test/support/tz-write.ts'), url, r.key, r.ts], {
        cwd: fromRoot(),
        env: { ...process.env, TZ: r.tz },
      });
      const seen = JSON.parse(stdout.trim().split('\n').pop()!) as {
        upserted: number;
        highWaterMark: { timestamp: string };
        offsetMinutes: number;
      };
      expect(seen.upserted, r.tz).toBe(1);
      expect(seen.highWaterMark.timestamp, r.tz).toBe('2024-03-10T10:30:15.1234560Z');
      offsets.add(seen.offsetMinutes);
    }
    // The children really ran in different zones.
    expect(offsets).toEqual(new Set([480, -330, 0]));
    const rows = await query(url, 'SELECT ListingKey AS k, CAST(ModificationTimestamp AS CHAR) AS ts FROM Listing ORDER BY ListingKey');
    expect(rows).toEqual([
      { k: 'IN', ts: '2024-03-10 10:30:15.123456' },
      { k: 'LA', ts: '2024-03-10 10:30:15.123456' },
      { k: 'NOZ', ts: '2024-03-10 10:30:15.123456' },
    ]);
  });
});

describe('MySQL writer: names and undeclared fields', () => {
  it('makes prefixed tables and renamed columns with the naming hooks, dropping no field', async () => {
    const { dest, url } = destination({
      makeTableName: (source, resource) => `mls_${source}_${resource.toLowerCase()}`,
      makeFieldName: (_resource, field) => `f_${field.toLowerCase()}`,
    });
    const resource = listingResource('acme');
    expect(await dest.ensureSchema(resource)).toEqual([{ table: 'mls_acme_listing', action: 'create table', detail: '9 columns' }]);
    const columns = await query<{ name: string }>(
      url,
      "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'mls_acme_listing' ORDER BY ORDINAL_POSITION",
    );
    const fields = resource.entity.fields.map((f) => f.name);
    expect(columns.map((c) => c.name)).toEqual([...fields.map((f) => `f_${f.toLowerCase()}`), '_resync_extra']);

    const record = good('H1');
    expect(await dest.writePage(resource, [record])).toEqual({ upserted: 1, rejects: [], skipped: 0 });
    const [row] = await query<Record<string, unknown>>(url, 'SELECT * FROM mls_acme_listing');
    for (const field of fields) expect(row?.[`f_${field.toLowerCase()}`], field).not.toBeNull();
    expect(row).toMatchObject({ f_listingkey: 'H1', f_city: 'Springfld', f_modificationtimestamp: '2024-05-01 12:00:00.123456' });
    expect(await dest.highWaterMark(resource)).toEqual({ timestamp: '2024-05-01T12:00:00.1234560Z', key: '' });
  });

  it('keeps fields the metadata does not declare in _resync_extra', async () => {
    const { dest, url } = destination();
    const resource = listingResource();
    await dest.ensureSchema(resource);
    const extra = { X_LocalCode: 'A7', X_Agent: { name: 'Pat', phones: ['555-0100'] }, MlgCanView: true };
    await dest.writePage(resource, [good('E1', { ...extra, '@odata.etag': 'W/"1"' }), good('E2')]);
    // As text, so the check does not depend on whether the driver decodes JSON columns itself.
    const rows = await query<{ k: string; extra: string | null }>(
      url,
      'SELECT ListingKey AS k, CAST(_resync_extra AS CHAR) AS extra FROM Listing ORDER BY ListingKey',
    );
    expect(rows[0]?.k).toBe('E1');
    expect(JSON.parse(rows[0]?.extra ?? 'null')).toEqual(extra);
    expect(rows[1]).toEqual({ k: 'E2', extra: null });
  });
});

describe('MySQL writer: a server with max_allowed_packet = 1 MiB', () => {
  let server: PrivateMariaDb | undefined;
  let dest: MysqlDestination | undefined;
  afterAll(async () => {
    await dest?.close();
    await server?.stop();
  });

  it('sizes batches from the real limit, and a row too large for any statement is a reject that says why', async () => {
    // A server of the test's own: the session value is read-only, and a GLOBAL change on the shared
    // server would reach the other test files running meanwhile.
    server = await startPrivateMariaDb(['--max-allowed-packet=1M']);
    const url = withDatabase(server.url, 'small_packet');
    dest = new MysqlDestination('t', { type: 'mysql', url, manageSchema: true });
    const resource = listingResource();
    await dest.ensureSchema(resource);
    // 300 rows of ~8 KB (2.4 MB in all), remarks full of quotes that escaping doubles.
    const remarks = (i: number) => `${i}: ${"it's ".repeat(1600)}`;
    const records = Array.from({ length: 300 }, (_, i) => good(`P${String(i).padStart(3, '0')}`, { PublicRemarks: remarks(i) }));
    // 600,000 apostrophes: 600 KB of text, 1.2 MB once escaped — no statement can carry it.
    const huge = good('HUGE', { PublicRemarks: "'".repeat(600_000) });
    // 450,000 apostrophes: 900 KB escaped, fits alone.
    const big = good('BIG', { PublicRemarks: "'".repeat(450_000) });

    const result = await dest.writePage(resource, [...records.slice(0, 150), huge, big, ...records.slice(150)]);

    expect(result.rejects).toEqual([
      expect.objectContaining({ key: 'HUGE', field: null, reason: expect.stringMatching(/max_allowed_packet of 1048576 bytes/) }),
    ]);
    expect(result.upserted).toBe(301);
    const rows = await query<{ n: number; remarks: number }>(
      url,
      'SELECT COUNT(*) AS n, SUM(CHAR_LENGTH(PublicRemarks)) AS remarks FROM Listing',
    );
    expect(Number(rows[0]?.n)).toBe(301);
    const expected = records.reduce((sum, _, i) => sum + remarks(i).length, 0) + 450_000;
    expect(Number(rows[0]?.remarks)).toBe(expected);
  }, 180_000);
});
