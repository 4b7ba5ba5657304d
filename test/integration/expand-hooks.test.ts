/**
 * `$expand` into child tables and the destination hooks, end to end: real Temporal dev server, real
 * MariaDB, the simulator (120 listings with 3 Media each), an in-process worker. Children are
 * replaced with their parent, kept when an older copy of the parent arrives, rejected one by one,
 * and deleted with the parent; table and column naming, transform and key mapping shape what lands.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { Runtime } from '../../activities/runtime';
import type { MysqlDestination } from '../../activities/destinations/mysql';
import { PARENT_KEY_COLUMN } from '../../activities/destinations/mysql/schema';
import type { Config } from '../../config';
import { expectDestinationsMatch, expectRowsMatch } from '../support/compare';
import { dropDatabases, query, runSync, testConfig, uniqueName, withWorker } from '../support/stack';

const MEDIA_PER_LISTING = 3;

/** A runtime of the test's config, for looking at (and writing through) the destination directly. */
async function openDestination(config: Config, source: string) {
  const runtime = new Runtime(config, pino({ level: 'silent' }));
  const model = await runtime.resourceModel(source, 'Property');
  const dest = runtime.destinationsFor(source)[0] as MysqlDestination;
  return { runtime, model, dest, url: config.destinations[dest.name]!.url };
}

/** The data pages requested (not the `$count` request of prepareSync), decoded. */
function dataRequests(sim: SimulatorHandle): string[] {
  return sim.stats.recentRequests
    .map((u) => decodeURIComponent(u))
    .filter((u) => u.startsWith('/odata/Property?') && u.includes('$orderby='));
}

/** Every Media row the simulator serves, as the child table should hold it (the parent key added). */
function allMedia(sim: SimulatorHandle, keys = sim.dataset.liveKeys()): Record<string, unknown>[] {
  return keys.flatMap((key) => sim.dataset.getMedia(key)!.map((m) => ({ ...m, [PARENT_KEY_COLUMN]: key })));
}

describe('$expand into child tables', () => {
  let sim: SimulatorHandle;
  let config: Config;
  // A source name of its own: workflow IDs (sync/<source>/Property) are shared by every test file.
  const source = uniqueName('exp');

  beforeAll(async () => {
    sim = await startSimulator({ records: 120, seed: 11, port: 0, mediaPerRecord: MEDIA_PER_LISTING });
    config = testConfig({ simulatorUrl: sim.url, source, pageSize: 50, expand: [{ name: 'Media' }] });
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  it('keeps every expanded Media row in PropertyMedia under its parent key, and counts only parents', async () => {
    const { result } = await withWorker(config, () => runSync(config, source));
    expect(result).toMatchObject({ downloaded: 120, upserted: 120, rejected: 0 });
    const requests = dataRequests(sim);
    expect(requests.length).toBeGreaterThan(0);
    for (const u of requests) expect(u).toContain('$expand=Media&');

    await expectDestinationsMatch(config, source, 'Property', {
      keys: () => sim.dataset.liveKeys(),
      record: (k) => sim.dataset.getRecord(k),
    });
    const { runtime, model, dest, url } = await openDestination(config, source);
    try {
      const plan = dest.childTablePlan(model, 'Media');
      expect(plan.table).toBe('PropertyMedia');
      const rows = await query(url, 'SELECT * FROM PropertyMedia');
      expect(rows).toHaveLength(120 * MEDIA_PER_LISTING);
      expectRowsMatch('PropertyMedia', plan, rows, allMedia(sim), (m) => String(m.MediaKey));
      // The simulator links each Media row to its listing: the parent key must say the same.
      for (const row of rows) expect(row[PARENT_KEY_COLUMN]).toBe(row.ResourceRecordKey);
      const leaked = await query(url, "SELECT COUNT(*) AS n FROM Property WHERE JSON_CONTAINS_PATH(_resync_extra, 'one', '$.Media')");
      expect(Number(leaked[0]!.n)).toBe(0);
    } finally {
      await runtime.close();
    }
  });

  it('replaces the children of a touched listing and leaves those of listings not in the run', async () => {
    const { runtime, model, dest, url } = await openDestination(config, source);
    try {
      const keys = sim.dataset.liveKeys();
      const modified = (k: string) => String(sim.dataset.getRecord(k)!.ModificationTimestamp);
      // The next run starts at the newest stored timestamp (inclusive): that listing is sent again.
      const newest = keys.reduce((a, b) => (modified(a) > modified(b) ? a : b));
      const [touched, untouched] = keys.filter((k) => k !== newest);
      // Rows the MLS no longer has (a photo removed): only a replacement can make them go away.
      await query(url, `INSERT INTO PropertyMedia (MediaKey, ${PARENT_KEY_COLUMN}) VALUES ('STALE-1', ?), ('STALE-2', ?)`, [
        touched,
        untouched,
      ]);
      const before = sim.dataset.getMedia(touched!)!.map((m) => m.MediaURL);
      // A photo change gives every Media row of the listing new content (its URL carries the version).
      sim.dataset.touch([touched!], { photos: true });
      expect(sim.dataset.getMedia(touched!)!.map((m) => m.MediaURL)).not.toEqual(before);

      const { result } = await withWorker(config, () => runSync(config, source));
      expect(result.upserted).toBeGreaterThanOrEqual(1);

      const plan = dest.childTablePlan(model, 'Media');
      const rows = await query(url, `SELECT * FROM PropertyMedia WHERE ${PARENT_KEY_COLUMN} = ?`, [touched]);
      expectRowsMatch('touched listing', plan, rows, allMedia(sim, [touched!]), (m) => String(m.MediaKey));
      const stale = await query<{ MediaKey: string }>(url, "SELECT MediaKey FROM PropertyMedia WHERE MediaKey LIKE 'STALE-%'");
      expect(stale.map((r) => r.MediaKey)).toEqual(['STALE-2']);
      const count = await query(url, 'SELECT COUNT(*) AS n FROM PropertyMedia');
      expect(Number(count[0]!.n)).toBe(120 * MEDIA_PER_LISTING + 1);
    } finally {
      await runtime.close();
    }
  });

  it('keeps the children when an older copy of the parent arrives, rejects a bad child alone, and deletes children with the parent', async () => {
    const { runtime, model, dest, url } = await openDestination(config, source);
    try {
      const key = sim.dataset.liveKeys()[30]!;
      const record = sim.dataset.getRecord(key)!;
      const media = sim.dataset.getMedia(key)!;
      const childKeys = async () =>
        (
          await query<{ MediaKey: string }>(url, `SELECT MediaKey FROM PropertyMedia WHERE ${PARENT_KEY_COLUMN} = ? ORDER BY MediaKey`, [
            key,
          ])
        ).map((r) => r.MediaKey);
      const original = media.map((m) => String(m.MediaKey)).sort();
      expect(await childKeys()).toEqual(original);

      const older = { ...record, ModificationTimestamp: '2001-01-01T00:00:00Z', Media: [{ ...media[0], MediaKey: 'OLDER-1' }] };
      const late = await dest.writePage(model, [older]);
      expect(late.children).toEqual([
        expect.objectContaining({ navigation: 'Media', parentsReplaced: 0, upserted: 0, deleted: 0, rejects: [] }),
      ]);
      expect(await childKeys()).toEqual(original);

      // The same timestamp again counts as an update (as the parent's upsert does): children replaced.
      const bad = { ...media[1], ImageWidth: 'wide' };
      const page = await dest.writePage(model, [{ ...record, Media: [media[0], bad, media[2]] }]);
      expect(page.rejects).toEqual([]);
      expect(page.children![0]).toMatchObject({ parentsReplaced: 1, upserted: 2, deleted: 3 });
      expect(page.children![0]!.rejects).toEqual([expect.objectContaining({ key: media[1]!.MediaKey, field: 'ImageWidth' })]);
      expect(await childKeys()).toEqual([media[0]!.MediaKey, media[2]!.MediaKey].map(String).sort());

      // An expansion the server cut short (a nextLink inside it) adds what came and deletes nothing.
      const cut = await dest.writePage(model, [{ ...record, Media: [media[1]], 'Media@odata.nextLink': `${sim.url}/more` }]);
      expect(cut.children![0]).toMatchObject({ parentsReplaced: 1, upserted: 1, deleted: 0 });
      expect(await childKeys()).toEqual(original);

      // A parent without the navigation property says nothing about its children: they stay.
      await dest.writePage(model, [record]);
      expect(await childKeys()).toEqual(original);

      expect(await dest.deleteRecords(model, [key])).toBe(1);
      expect(await childKeys()).toEqual([]);
      expect(await query(url, 'SELECT ListingKey FROM Property WHERE ListingKey = ?', [key])).toEqual([]);
    } finally {
      await runtime.close();
    }
  });
});

describe('expand of a name $metadata does not declare', () => {
  it('is refused with the navigation properties the entity has', async () => {
    const sim = await startSimulator({ records: 1, seed: 1, port: 0 });
    const config = testConfig({ simulatorUrl: sim.url, expand: [{ name: 'Photos' }] });
    const runtime = new Runtime(config, pino({ level: 'silent' }));
    try {
      await expect(runtime.resourceModel('sim', 'Property')).rejects.toThrow(
        'sim/Property: expand "Photos" is not a navigation property of Property in $metadata (it has: Media)',
      );
    } finally {
      await runtime.close();
      await sim.close();
    }
  });
});

describe('destination hooks: table and field names, transform, key mapping', () => {
  let sim: SimulatorHandle;
  let config: Config;
  const source = uniqueName('hooks');
  const skippedOrder = 3;

  beforeAll(async () => {
    sim = await startSimulator({ records: 120, seed: 12, port: 0, mediaPerRecord: MEDIA_PER_LISTING });
    config = testConfig({
      simulatorUrl: sim.url,
      source,
      pageSize: 50,
      // MLS Grid style: the Media rows arrive without their parent's ID.
      expand: [{ name: 'Media', select: ['MediaURL', 'Order', 'ModificationTimestamp'] }],
      destinationHooks: {
        makeTableName: (_source, resource) => `mls_${resource}`,
        makeFieldName: (resource, field) => `${resource === 'PropertyMedia' ? 'm' : 'p'}_${field}`,
        transform: (_resource, record, { parent }) => {
          if (!parent) return record;
          if (record.Order === skippedOrder) return null;
          return { ...record, ResourceRecordID: parent.ListingId };
        },
        keyMapping: { toDestination: (key) => key.replace(/^L/, ''), toMls: (key) => `L${key}` },
      },
    });
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  it('names tables and columns by the hooks, copies the parent ID into each Media row, and stores mapped keys', async () => {
    const { result } = await withWorker(config, () => runSync(config, source));
    expect(result).toMatchObject({ downloaded: 120, upserted: 120, rejected: 0 });
    const requests = dataRequests(sim);
    expect(requests.length).toBeGreaterThan(0);
    for (const u of requests) expect(u).toContain('$expand=Media($select=MediaKey,MediaURL,Order,ModificationTimestamp)');

    const { runtime, model, dest, url } = await openDestination(config, source);
    try {
      const tables = await query<{ t: string }>(
        url,
        'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1',
      );
      expect(tables.map((r) => r.t).filter((t) => !t.startsWith('_resync'))).toEqual(['mls_Property', 'mls_PropertyMedia']);

      // Every field of both entities has its renamed column: nothing dropped, nothing left with its own name.
      const columns = async (table: string) =>
        (
          await query<{ c: string }>(
            url,
            'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
            [table],
          )
        ).map((r) => r.c);
      const child = model.children![0]!;
      expect((await columns('mls_PropertyMedia')).sort()).toEqual(
        [...child.entity.fields.map((f) => `m_${f.name}`), PARENT_KEY_COLUMN, '_resync_extra'].sort(),
      );
      expect((await columns('mls_Property')).sort()).toEqual([...model.entity.fields.map((f) => `p_${f.name}`), '_resync_extra'].sort());

      const strip = (key: unknown) => String(key).replace(/^L/, '');
      const parentRows = await query(url, 'SELECT * FROM mls_Property');
      const listings = sim.dataset.liveKeys().map((k) => sim.dataset.getRecord(k)!);
      expectRowsMatch('mls_Property', dest.tablePlan(model), parentRows, listings, (r) => strip(r.ListingKey));

      const mediaRows = await query(url, 'SELECT * FROM mls_PropertyMedia');
      const expected = listings.flatMap((listing) =>
        sim.dataset
          .getMedia(String(listing.ListingKey))!
          .filter((m) => m.Order !== skippedOrder)
          .map((m) => ({
            MediaKey: m.MediaKey,
            MediaURL: m.MediaURL,
            Order: m.Order,
            ModificationTimestamp: m.ModificationTimestamp,
            ResourceRecordID: listing.ListingId,
            [PARENT_KEY_COLUMN]: strip(listing.ListingKey),
          })),
      );
      expect(mediaRows).toHaveLength(120 * (MEDIA_PER_LISTING - 1));
      expectRowsMatch('mls_PropertyMedia', dest.childTablePlan(model, 'Media'), mediaRows, expected, (m) => strip(m.MediaKey));

      // Deletes take MLS keys and find the stored ones, children included.
      const gone = sim.dataset.liveKeys()[0]!;
      expect(await dest.deleteRecords(model, [gone])).toBe(1);
      expect(await query(url, 'SELECT 1 FROM mls_Property WHERE p_ListingKey = ?', [strip(gone)])).toEqual([]);
      expect(await query(url, `SELECT 1 FROM mls_PropertyMedia WHERE ${PARENT_KEY_COLUMN} = ?`, [strip(gone)])).toEqual([]);
    } finally {
      await runtime.close();
    }
  });
});
