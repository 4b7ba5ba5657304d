/**
 * The rest of the MySQL integration matrix with Solr as the only destination, configured as users
 * do (`type: 'solr'`, MariaDB holds only the control database): real Temporal dev server, the
 * simulator and the real Solr node of the global setup. Full and incremental syncs with `$expand`
 * children in their own core, ties across pages and across a run boundary, a transform hook with
 * skipped records, rejects (values resync refuses and documents Solr refuses), and a worker killed
 * mid-sync: every time the cores hold exactly what the MLS holds, field by field on every record.
 * (Purge, reconcile, status and record: solr-sync.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deleteSolrCore } from '../../activities/destinations/solr/cores';
import { PARENT_KEY_FIELD } from '../../activities/destinations/solr/fields';
import { parseConfig, type Config, type RecordTransform } from '../../config';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { startSync } from '../../worker/commands/sync';
import { startChildWorker } from '../support/child-worker';
import { dropTestDatabases } from '../support/pg-stack';
import { expectSolrMatchesMls, solrCount, solrDocs, solrIds } from '../support/solr-docs';
import { query, runSync, temporalClient, testConfigInput, uniqueName, withWorker, writeConfigFile } from '../support/stack';

type Children = { parentKey: string; record: Record<string, unknown> }[];

/** A config whose one source writes to one Solr destination, `search`, with cores named `<prefix><Resource>`. */
function solrConfigInput(
  opts: Parameters<typeof testConfigInput>[0] & { source: string; corePrefix: string; transform?: RecordTransform },
) {
  const base = testConfigInput({ ...opts, destinations: [] });
  return {
    ...base,
    sources: { [opts.source]: { ...base.sources[opts.source]!, destinations: ['search'] } },
    destinations: {
      search: {
        type: 'solr' as const,
        url: inject('solrUrl'),
        corePrefix: opts.corePrefix,
        ...(opts.transform ? { transform: opts.transform } : {}),
      },
    },
  };
}

/** The core holds exactly `keys`, each document field by field as `record` says. */
async function expectCoreMatches(core: string, keys: string[], record: (key: string) => Record<string, unknown> | undefined) {
  expect(await solrIds(inject('solrUrl'), core)).toEqual([...keys].sort());
  await expectSolrMatchesMls(inject('solrUrl'), core, keys, record);
}

/** The child core holds exactly these children, field by field, each under its parent's key. */
async function expectChildCoreMatches(core: string, keyField: string, children: Children) {
  const byKey = new Map(children.map((c) => [String(c.record[keyField]), c]));
  await expectCoreMatches(core, [...byKey.keys()], (k) => byKey.get(k)!.record);
  for (const doc of await solrDocs(inject('solrUrl'), core, [...byKey.keys()]))
    expect(doc[PARENT_KEY_FIELD], `${doc.id}'s parent`).toBe(byKey.get(doc.id)!.parentKey);
}

const mediaOf = (sim: SimulatorHandle, keys = sim.dataset.liveKeys()): Children =>
  keys.flatMap((parentKey) => sim.dataset.getMedia(parentKey)!.map((record) => ({ parentKey, record })));

describe('sync into Solr (the only destination) with $expand children', () => {
  const RECORDS = 400;
  const MEDIA = 2;
  const source = uniqueName('solrmx');
  const corePrefix = `${uniqueName('t_solrmx')}_`;
  const cores = { property: `${corePrefix}Property`, media: `${corePrefix}PropertyMedia` };
  let sim: SimulatorHandle;
  let config: Config;

  const expectExact = async () => {
    await expectCoreMatches(cores.property, sim.dataset.liveKeys(), (k) => sim.dataset.getRecord(k));
    await expectChildCoreMatches(cores.media, 'MediaKey', mediaOf(sim));
  };

  beforeAll(async () => {
    sim = await startSimulator({ records: RECORDS, seed: 91, port: 0, mediaPerRecord: MEDIA });
    config = parseConfig(solrConfigInput({ simulatorUrl: sim.url, source, corePrefix, pageSize: 100, expand: [{ name: 'Media' }] }));
  });

  afterAll(async () => {
    await sim?.close();
    for (const core of Object.values(cores)) await deleteSolrCore(inject('solrUrl'), core).catch(() => undefined);
    if (config) await dropTestDatabases(config);
  });

  it('a full sync stores every record and each Media document in its own core, under its parent', async () => {
    const { result } = await withWorker(config, () => runSync(config, source));
    expect(result).toMatchObject({ downloaded: RECORDS, upserted: RECORDS, rejected: 0 });
    expect(await solrCount(inject('solrUrl'), cores.media)).toBe(RECORDS * MEDIA);
    await expectExact();
    const runs = await query(config.control.url, 'SELECT outcome, downloaded, upserted FROM resync_runs');
    expect(runs).toEqual([{ outcome: 'succeeded', downloaded: RECORDS, upserted: RECORDS }]);
  });

  it('an incremental sync downloads only what changed, including new records, and replaces their Media', async () => {
    const { keys: touched } = sim.dataset.touch(20, { distinct: true, photos: true });
    sim.dataset.add(10);
    const { result } = await withWorker(config, () => runSync(config, source));
    // From the newest stored timestamp (inclusive): the 30 changes, and at most what shares it.
    expect(result.downloaded).toBeGreaterThanOrEqual(30);
    expect(result.downloaded).toBeLessThan(100);
    expect(touched).toHaveLength(20);
    await expectExact();
  });

  it('loses no record when a timestamp is shared across pages and across a run boundary', async () => {
    const keys = sim.dataset.liveKeys();
    const tie = new Date().toISOString();
    // 250 records (2.5 pages of 100) at one timestamp.
    sim.dataset.setTimestamp(keys.slice(100, 350), tie);
    await withWorker(config, async () => {
      await runSync(config, source);
      await expectExact();
      // Later, 60 more reach the same timestamp, sorting before keys already stored at it.
      sim.dataset.setTimestamp(keys.slice(0, 30).concat(keys.slice(380, 410)), tie);
      await runSync(config, source);
    });
    await expectExact();
    // Nothing changed since: at most one page is read again.
    const { result } = await withWorker(config, () => runSync(config, source));
    expect(result.downloaded).toBe(0);
    expect(result.pages).toBeLessThanOrEqual(1);
  });
});

describe('sync into Solr through a transform hook, with rejects', () => {
  const RECORDS = 150;
  const source = uniqueName('solrhooks');
  const corePrefix = `${uniqueName('t_solrhk')}_`;
  const cores = { property: `${corePrefix}Property`, media: `${corePrefix}PropertyMedia` };
  let sim: SimulatorHandle;
  let config: Config;
  // Chosen by key: which listings the hook skips, which get a value resync refuses, which one Solr refuses.
  const skipped = (key: string) => key.endsWith('7');
  const unconvertible = (key: string) => key.endsWith('3');
  const refusedBySolr = (key: string) => key.endsWith('9');
  const transform: RecordTransform = (_resource, record, { parent }) => {
    if (parent) {
      // Media: the second photo is dropped, the others learn their listing's ID.
      if (record.Order === 2) return null;
      return { ...record, ResourceRecordID: parent.ListingId };
    }
    const key = String(record.ListingKey);
    if (skipped(key)) return null;
    if (unconvertible(key)) return { ...record, ListPrice: 'call for price' };
    // A string term beyond Lucene's 32,766 bytes: only Solr finds it unstorable.
    if (refusedBySolr(key)) return { ...record, City: 'x'.repeat(40_000) };
    return { ...record, City: String(record.City).toUpperCase() };
  };
  const stored = (record: Record<string, unknown>) => ({ ...record, City: String(record.City).toUpperCase() });

  beforeAll(async () => {
    sim = await startSimulator({ records: RECORDS, seed: 92, port: 0, mediaPerRecord: 3 });
    const input = solrConfigInput({ simulatorUrl: sim.url, source, corePrefix, pageSize: 50, expand: [{ name: 'Media' }], transform });
    config = parseConfig(input);
  });

  afterAll(async () => {
    await sim?.close();
    for (const core of Object.values(cores)) await deleteSolrCore(inject('solrUrl'), core).catch(() => undefined);
    if (config) await dropTestDatabases(config);
  });

  it('stores what the hook returns, skips what it drops, and records each unstorable document as a reject', async () => {
    const keys = sim.dataset.liveKeys();
    const kept = keys.filter((k) => !skipped(k) && !unconvertible(k) && !refusedBySolr(k));
    const byResync = keys.filter(unconvertible);
    const bySolr = keys.filter(refusedBySolr);
    expect(byResync.length).toBeGreaterThan(5);
    expect(bySolr.length).toBeGreaterThan(5);
    const { result } = await withWorker(config, () => runSync(config, source));
    expect(result).toMatchObject({ downloaded: RECORDS, upserted: kept.length, rejected: byResync.length + bySolr.length });

    await expectCoreMatches(cores.property, kept, (k) => stored(sim.dataset.getRecord(k)!));
    // Children only under parents that were stored: a refused parent keeps none.
    const media = kept.flatMap((parentKey) =>
      sim.dataset
        .getMedia(parentKey)!
        .filter((m) => m.Order !== 2)
        .map((m) => ({ parentKey, record: { ...m, ResourceRecordID: sim.dataset.getRecord(parentKey)!.ListingId } })),
    );
    await expectChildCoreMatches(cores.media, 'MediaKey', media);

    const rejects = await query<{ record_key: string; destination: string; field: string; reason: string }>(
      config.control.url,
      'SELECT record_key, destination, field, reason FROM resync_rejects ORDER BY record_key',
    );
    expect(rejects.map((r) => r.record_key)).toEqual([...byResync, ...bySolr].sort());
    for (const r of rejects) {
      if (unconvertible(r.record_key))
        expect(r).toMatchObject({ destination: 'search', field: 'ListPrice', reason: expect.stringContaining('expected a number') });
      else
        expect(r).toMatchObject({
          destination: 'search',
          field: 'City',
          reason: expect.stringMatching(/^Solr refused the document: .*immense term/),
        });
    }
  });
});

describe('a worker killed in the middle of a sync into Solr', () => {
  const RECORDS = 2000;
  const source = uniqueName('solrcrash');
  const corePrefix = `${uniqueName('t_solrcr')}_`;
  const core = `${corePrefix}Property`;
  let sim: SimulatorHandle;
  let config: Config;
  let configFile: string;

  beforeAll(async () => {
    // Slow pages make the run long enough to be killed in the middle.
    sim = await startSimulator({ records: RECORDS, seed: 93, port: 0, latencyMs: 120 });
    const input = solrConfigInput({ simulatorUrl: sim.url, source, corePrefix, pageSize: 50 });
    config = parseConfig(input);
    configFile = writeConfigFile(input);
  });

  afterAll(async () => {
    await sim?.close();
    await deleteSolrCore(inject('solrUrl'), core).catch(() => undefined);
    if (config) await dropTestDatabases(config);
  });

  it('is finished by a new worker, and the core ends exact', async () => {
    const pageRequests = () => sim.stats.recentRequests.filter((u) => u.includes('/Property?') && u.includes('orderby'));
    const first = await startChildWorker(configFile, 'solr-crash-worker-1');
    const client = await temporalClient(config);
    try {
      sim.resetStats();
      const handle = await startSync(client, config, source, 'Property');
      // About a third of the 40 pages, then the machine "dies".
      while (pageRequests().length < 14) await new Promise((r) => setTimeout(r, 100));
      await first.kill('SIGKILL');
      // Soft-committed page by page: what the killed worker wrote is visible, and partial.
      const partial = await solrCount(inject('solrUrl'), core);
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(RECORDS);

      const second = await startChildWorker(configFile, 'solr-crash-worker-2');
      try {
        const result = await handle.result();
        expect(result.downloaded).toBeGreaterThanOrEqual(RECORDS);
      } finally {
        await second.kill('SIGTERM');
      }
    } finally {
      await first.kill('SIGKILL');
      await client.connection.close();
    }
    await expectCoreMatches(core, sim.dataset.liveKeys(), (k) => sim.dataset.getRecord(k));
    const runs = await query<{ outcome: string }>(config.control.url, 'SELECT outcome FROM resync_runs');
    expect(runs).toEqual([{ outcome: 'succeeded' }]);
  });
});
