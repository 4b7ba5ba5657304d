/**
 * The MySQL destination's bulk path (bulk-load.ts) against the real MariaDB: an initial load into
 * empty tables goes through LOAD DATA and stores exactly what the upsert stores; a page that holds
 * a stored key, or a value the server would change, is rolled back and upserted, so the write rules
 * stay the same (an older timestamp never overwrites, children replaced, bad rows isolated); with
 * `bulkLoad: false` nothing is loaded.
 */
import pino from 'pino';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { withDatabase, type MysqlDestinationConfig } from '../../config';
import { MysqlDestination } from '../../activities/destinations/mysql';
import { tsvChunks, tsvField } from '../../activities/destinations/mysql/bulk-load';
import type { ResourceModel } from '../../activities/destinations';
import { listingResource, mediaResource } from '../support/listing-model';
import { decodeBody } from '../../activities/source/body-thread';
import { isBare, lineFor, withBareRecords } from '../../activities/common/load-lines';
import { query, uniqueName } from '../support/stack';

const databases: string[] = [];
const open: MysqlDestination[] = [];

function destination(extra: Partial<MysqlDestinationConfig> = {}): { dest: MysqlDestination; url: string; logs: string[] } {
  const db = uniqueName('t_bulk');
  databases.push(db);
  const url = withDatabase(inject('mysqlServerUrl'), db);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(String((JSON.parse(chunk.toString()) as { msg: string }).msg));
      done();
    },
  });
  const dest = new MysqlDestination('t', { type: 'mysql', url, manageSchema: true, ...extra }, pino({ level: 'info' }, sink));
  open.push(dest);
  return { dest, url, logs };
}

afterAll(async () => {
  for (const dest of open) await dest.close();
  const admin = withDatabase(inject('mysqlServerUrl'), 'mysql');
  for (const db of databases) await query(admin, `DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined);
});

/** LOAD DATA statements the server has run so far (all sessions). */
async function loads(): Promise<number> {
  const rows = await query<{ Value: string }>(withDatabase(inject('mysqlServerUrl'), 'mysql'), "SHOW GLOBAL STATUS LIKE 'Com_load'");
  return Number(rows[0]?.Value ?? 0);
}

const listing = (key: string, ts: string, extra: Record<string, unknown> = {}) => ({
  ListingKey: key,
  ModificationTimestamp: ts,
  CloseDate: '2024-04-30',
  City: 'Springfld',
  PublicRemarks: 'Tabs\tnew lines\nback\\slashes, "quotes" and \u00e9mojis \u{1F3E0}',
  ListingGuid: '0f8fad5b-d9cb-469f-a165-70867728950e',
  BedroomsTotal: 3,
  ListPrice: 450000.5,
  WaterfrontYN: true,
  ...extra,
});

const withMedia = (key: string, ts: string, media: string[]) => ({
  ListingKey: key,
  ModificationTimestamp: ts,
  City: `City of ${key}`,
  Media: media.map((m, i) => ({ MediaKey: m, MediaURL: `https://img.example/${m}.jpg`, Order: i })),
});

async function tableRows(url: string, table: string, order: string): Promise<Record<string, unknown>[]> {
  return query<Record<string, unknown>>(url, `SELECT * FROM \`${table}\` ORDER BY ${order}`);
}

async function writeAll(dest: MysqlDestination, resource: ResourceModel, pages: Record<string, unknown>[][]) {
  await dest.ensureSchema(resource);
  const results = [];
  for (const page of pages) results.push(await dest.writePage(resource, page));
  return results;
}

describe('MySQL bulk path', () => {
  it('loads an initial sync with LOAD DATA and stores exactly what the upsert stores', async () => {
    const resource = listingResource();
    const pages = [
      [listing('A1', '2024-05-01T12:00:00.1234567Z'), listing('A2', '2024-05-01T12:00:01Z', { City: null, ListPrice: null })],
      // A bad value (a reject before any SQL), an undeclared field and a NUL character.
      [
        listing('A3', '2024-05-01T12:00:02Z', { BedroomsTotal: 'many' }),
        listing('A4', '2024-05-01T12:00:03Z', { Undeclared: { a: [1, 'x\ty'] } }),
        listing('A5', '2024-05-01T12:00:04Z', { PublicRemarks: 'nul\u0000inside' }),
      ],
    ];
    const bulk = destination();
    const upsert = destination({ bulkLoad: false });
    const before = await loads();
    const bulkResults = await writeAll(bulk.dest, resource, pages);
    const afterBulk = await loads();
    const upsertResults = await writeAll(upsert.dest, resource, pages);
    // One LOAD DATA per page; none for the destination with bulkLoad off.
    expect(afterBulk - before).toBe(2);
    expect(await loads()).toBe(afterBulk);
    expect(bulkResults.map((r) => [r.upserted, r.rejects.map((x) => [x.key, x.field])])).toEqual([
      [2, []],
      [2, [['A3', 'BedroomsTotal']]],
    ]);
    expect(bulkResults.map((r) => [r.upserted, r.rejects.length])).toEqual(upsertResults.map((r) => [r.upserted, r.rejects.length]));
    const stored = await tableRows(bulk.url, 'Listing', 'ListingKey');
    expect(stored).toEqual(await tableRows(upsert.url, 'Listing', 'ListingKey'));
    expect(stored.map((r) => r.ListingKey)).toEqual(['A1', 'A2', 'A4', 'A5']);
    expect(stored[0]!.PublicRemarks).toBe(pages[0]![0]!.PublicRemarks);
    expect(stored[3]!.PublicRemarks).toBe('nul\u0000inside');
    expect(stored[1]!.City).toBeNull();
    expect(bulk.logs).toEqual([]);
  });

  it('gives a page with a stored key back to the upsert: an older copy never wins, children are replaced', async () => {
    const resource = mediaResource();
    const { dest, url, logs } = destination();
    await writeAll(dest, resource, [
      [withMedia('L1', '2024-05-02T00:00:00Z', ['m1', 'm2']), withMedia('L2', '2024-05-02T00:00:00Z', ['m3'])],
    ]);
    const loaded = await loads();
    const [result] = await writeAll(dest, resource, [
      [
        // Older than what is stored: neither it nor its Media may change anything.
        withMedia('L1', '2024-05-01T00:00:00Z', ['old']),
        // Newer: its Media are replaced.
        withMedia('L2', '2024-05-03T00:00:00Z', ['m4', 'm5']),
        withMedia('L3', '2024-05-03T00:00:00Z', ['m6']),
      ],
    ]);
    expect(result!.upserted).toBe(3);
    expect(logs).toContain('initial load: the bulk path ends here; pages are upserted from now on');
    const listings = await tableRows(url, 'Listing', 'ListingKey');
    expect(listings.map((r) => [r.ListingKey, r.City])).toEqual([
      ['L1', 'City of L1'],
      ['L2', 'City of L2'],
      ['L3', 'City of L3'],
    ]);
    const media = await tableRows(url, 'ListingMedia', 'MediaKey');
    expect(media.map((r) => [r.MediaKey, r._resync_parent_key])).toEqual([
      ['m1', 'L1'],
      ['m2', 'L1'],
      ['m4', 'L2'],
      ['m5', 'L2'],
      ['m6', 'L3'],
    ]);
    // The refused attempt was one LOAD DATA; from then on the table is upserted.
    const afterFallback = await loads();
    expect(afterFallback - loaded).toBe(1);
    await writeAll(dest, resource, [[withMedia('L4', '2024-05-04T00:00:00Z', ['m7'])]]);
    expect(await loads()).toBe(afterFallback);
  });

  it('gives back a page with a value the server would change, and the upsert isolates that record', async () => {
    const resource = listingResource();
    const { dest, url } = destination();
    // An exponent form is left to the server's strict mode: 9e20 does not fit DECIMAL(10,2).
    const [result] = await writeAll(dest, resource, [
      [listing('B1', '2024-05-01T00:00:00Z'), listing('B2', '2024-05-01T00:00:00Z', { ListPrice: '9e20' })],
    ]);
    expect(result!.upserted).toBe(1);
    expect(result!.rejects.map((r) => [r.key, r.reason.startsWith('MySQL refused the row')])).toEqual([['B2', true]]);
    expect((await tableRows(url, 'Listing', 'ListingKey')).map((r) => r.ListingKey)).toEqual(['B1']);
  });
});

/** Records as the sync gets them: parsed on the JSON thread, with the lines `dest` asks for. */
/** Listings with Media, one of them with a property that is no column (no line: converted as usual beside the others). */
const mixedPage = () => [
  withMedia('L1', '2024-05-02T00:00:00.5Z', ['m1', 'm2']),
  { ...withMedia('L2', '2024-05-02T00:00:00Z', ['m3']), Undeclared: 'kept' },
  { ...withMedia('L3', '2024-05-02T00:00:00Z', []), City: 'Tabs\tand "quotes" \u00e9' },
  { ListingKey: 'L4', ModificationTimestamp: '2024-05-02T00:00:00Z', Media: null },
];

async function throughThread(dest: MysqlDestination, resource: ResourceModel, records: Record<string, unknown>[], bare = false) {
  const lines = dest.linePlan(resource);
  expect(lines).toBeDefined();
  const plan = bare ? withBareRecords(lines!, resource) : lines!;
  const body = Buffer.from(JSON.stringify({ value: records }));
  const { value } = await decodeBody(body, undefined, true, undefined, plan);
  const parsed = (value as { value: Record<string, unknown>[] }).value;
  return { parsed, lined: parsed.filter((r) => lineFor(r, plan.parent.id)).length, bare: parsed.filter(isBare).length };
}

describe('MySQL bulk path with lines from the JSON thread', () => {
  it('stores exactly what converting the records stores, parents and children', async () => {
    const resource = mediaResource();
    const lined = destination();
    const plain = destination();
    await lined.dest.ensureSchema(resource);
    await plain.dest.ensureSchema(resource);
    const page = mixedPage();
    const { parsed, lined: withLines } = await throughThread(lined.dest, resource, page);
    expect(withLines).toBe(3);
    const before = await loads();
    const [linedResult] = await writeAll(lined.dest, resource, [parsed]);
    expect((await loads()) - before).toBe(2);
    const [plainResult] = await writeAll(plain.dest, resource, [structuredClone(page)]);
    expect(linedResult).toEqual(plainResult);
    for (const [table, order] of [
      ['Listing', 'ListingKey'],
      ['ListingMedia', 'MediaKey'],
    ] as const) {
      expect(await tableRows(lined.url, table, order)).toEqual(await tableRows(plain.url, table, order));
    }
    expect((await tableRows(lined.url, 'ListingMedia', 'MediaKey')).map((r) => [r.MediaKey, r._resync_parent_key])).toEqual([
      ['m1', 'L1'],
      ['m2', 'L1'],
      ['m3', 'L2'],
    ]);
  });

  it('prepares lined records again when their page goes to the upsert', async () => {
    const resource = mediaResource();
    const { dest, url, logs } = destination();
    await writeAll(dest, resource, [[withMedia('L1', '2024-05-02T00:00:00Z', ['m1', 'm2'])]]);
    // The table is no longer empty, but the destination only learns it from the page: lines are still asked for.
    const { parsed, lined } = await throughThread(dest, resource, [
      withMedia('L1', '2024-05-03T00:00:00Z', ['m9']),
      withMedia('L2', '2024-05-03T00:00:00Z', ['m3']),
    ]);
    expect(lined).toBe(2);
    const [result] = await writeAll(dest, resource, [parsed]);
    expect(result!.upserted).toBe(2);
    expect(logs).toContain('initial load: the bulk path ends here; pages are upserted from now on');
    expect((await tableRows(url, 'ListingMedia', 'MediaKey')).map((r) => [r.MediaKey, r._resync_parent_key])).toEqual([
      ['m3', 'L2'],
      ['m9', 'L1'],
    ]);
    expect(dest.linePlan(resource)).toBeUndefined();
  });

  it('asks for no lines where rows are not the records as sent', () => {
    const resource = mediaResource();
    expect(destination({ bulkLoad: false }).dest.linePlan(resource)).toBeUndefined();
    expect(destination({ transform: (_resource, record) => record }).dest.linePlan(resource)).toBeUndefined();
  });
});

describe('MySQL bulk path with bare records', () => {
  it('stores bare records exactly as the whole records, parents and children', async () => {
    const resource = mediaResource();
    const bare = destination();
    const plain = destination();
    await bare.dest.ensureSchema(resource);
    await plain.dest.ensureSchema(resource);
    const page = mixedPage();
    const { parsed, bare: bareCount } = await throughThread(bare.dest, resource, page, true);
    expect(bareCount).toBe(3);
    // A bare record holds its key and cursor and its children's keys; its lines hold the rest.
    expect(parsed[0]).toEqual({
      ListingKey: 'L1',
      ModificationTimestamp: '2024-05-02T00:00:00.5Z',
      Media: [{ MediaKey: 'm1' }, { MediaKey: 'm2' }],
    });
    expect(parsed[1]).toEqual(page[1]);
    const before = await loads();
    const [bareResult] = await writeAll(bare.dest, resource, [parsed]);
    expect((await loads()) - before).toBe(2);
    const [plainResult] = await writeAll(plain.dest, resource, [structuredClone(page)]);
    expect(bareResult).toEqual(plainResult);
    for (const [table, order] of [
      ['Listing', 'ListingKey'],
      ['ListingMedia', 'MediaKey'],
    ] as const) {
      expect(await tableRows(bare.url, table, order)).toEqual(await tableRows(plain.url, table, order));
    }
  });

  it('makes a bare page whole when it goes to the upsert', async () => {
    const resource = mediaResource();
    const { dest, url, logs } = destination();
    await writeAll(dest, resource, [[withMedia('L1', '2024-05-02T00:00:00Z', ['m1', 'm2'])]]);
    const { parsed, bare } = await throughThread(
      dest,
      resource,
      [withMedia('L1', '2024-05-03T00:00:00Z', ['m9']), withMedia('L2', '2024-05-03T00:00:00Z', ['m3'])],
      true,
    );
    expect(bare).toBe(2);
    const [result] = await writeAll(dest, resource, [parsed]);
    expect(result!.upserted).toBe(2);
    expect(logs).toContain('initial load: the bulk path ends here; pages are upserted from now on');
    expect(await tableRows(url, 'Listing', 'ListingKey')).toEqual([
      expect.objectContaining({ ListingKey: 'L1', City: 'City of L1' }),
      expect.objectContaining({ ListingKey: 'L2', City: 'City of L2' }),
    ]);
    expect((await tableRows(url, 'ListingMedia', 'MediaKey')).map((r) => [r.MediaKey, r.MediaURL, r._resync_parent_key])).toEqual([
      ['m3', 'https://img.example/m3.jpg', 'L2'],
      ['m9', 'https://img.example/m9.jpg', 'L1'],
    ]);
  });

  it('makes bare records whole when their table plan changed after they were read', async () => {
    const resource = listingResource();
    const bare = destination();
    const plain = destination();
    await bare.dest.ensureSchema(resource);
    const later = [listing('L2', '2024-05-03T00:00:00Z'), listing('L3', '2024-05-03T00:00:00Z', { City: 'Lyon' })];
    const { parsed, bare: bareCount } = await throughThread(bare.dest, resource, later, true);
    expect(bareCount).toBe(2);
    // A City longer than its column widens it: a new plan, for which the bare records have no lines.
    const first = [listing('L1', '2024-05-02T00:00:00Z', { City: 'A city name well past ten characters' })];
    const results = await writeAll(bare.dest, resource, [first, parsed]);
    const expected = await writeAll(plain.dest, resource, [structuredClone(first), structuredClone(later)]);
    expect(results).toEqual(expected);
    expect(await tableRows(bare.url, 'Listing', 'ListingKey')).toEqual(await tableRows(plain.url, 'Listing', 'ListingKey'));
  });
});

describe('LOAD DATA text', () => {
  it('escapes what the default format would misread and writes NULL as \\N', () => {
    expect(tsvField(null)).toBe('\\N');
    expect(tsvField(12.5)).toBe('12.5');
    expect(tsvField('a\tb\nc\rd\\e\u0000f')).toBe('a\\tb\\nc\\rd\\\\e\\0f');
    expect(tsvField('\\N')).toBe('\\\\N');
    const rows = Array.from({ length: 70 }, (_, i) => [String(i), null]);
    const text = [...tsvChunks(rows, rows.keys())].map(String).join('');
    expect(text.split('\n').slice(0, 2)).toEqual(['0\t\\N', '1\t\\N']);
    expect(text.split('\n')).toHaveLength(71);
  });

  it('bounds each chunk at a quarter of a megabyte, unless it starts with a longer line', () => {
    // Multi-byte text (é is two bytes, the house four) so that chunks fill by bytes, not characters.
    const long = (i: number) => `${i}:${'é'.repeat(5_000)}${'\u{1F3E0}'.repeat(2_000)}`;
    const rows = Array.from({ length: 60 }, (_, i) => [i, i === 30 ? 'x'.repeat(300_000) : long(i)]);
    const chunks = [...tsvChunks(rows, rows.keys())];
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.every((c) => c.at(-1) === 0x0a)).toBe(true);
    const large = chunks.filter((c) => c.length > 256 * 1024);
    expect(large.map((c) => c.subarray(0, 300_004).toString())).toEqual([`30\t${'x'.repeat(300_000)}\n`]);
    expect(Buffer.concat(chunks).toString()).toBe(rows.map(([i, text]) => `${i}\t${text}\n`).join(''));
  });

  it('writes each chosen row as one line, chunk after chunk, every chunk ending its last line', () => {
    const rows = Array.from({ length: 100 }, (_, i) => [i, `r${i}\tx`, i % 3 === 0 ? null : 0.5, '']);
    const positions = [...rows.keys()].filter((p) => p !== 7);
    const chunks = [...tsvChunks(rows, positions)].map(String);
    expect(chunks.every((c) => c.endsWith('\n'))).toBe(true);
    const expected = rows
      .filter((_, p) => p !== 7)
      .map(([i, , half]) => `${i}\tr${i}\\tx\t${half === null ? '\\N' : '0.5'}\t\n`)
      .join('');
    expect(chunks.join('')).toBe(expected);
  });
});
