/**
 * The MySQL integration matrix with PostgreSQL as the only destination, configured as users do
 * (`type: 'postgres'`): real Temporal dev server, the simulator, the PostgreSQL of the global
 * setup (MariaDB holds only the control database). Full and incremental syncs, ties across pages
 * and runs, `$expand` children, purge, reconcile, `resync status` / `record` and the dashboard's
 * counts, a transform hook and rejects, and a worker killed mid-sync: every time the table holds
 * exactly what the MLS holds, typed column by typed column and `_raw` as a whole.
 */
import { execFile } from 'node:child_process';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quotePgIdent } from '../../activities/destinations/postgres/identifiers';
import { Runtime } from '../../activities/runtime';
import { parseConfig, type Config, type RecordTransform } from '../../config';
import { CountsService } from '../../dashboard/server/counts';
import { fromRoot } from '../../scripts/lib/paths';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import type { RecordReport } from '../../worker/inspect/record';
import type { StatusReport } from '../../worker/inspect/status';
import { startSync } from '../../worker/commands/sync';
import { startChildWorker } from '../support/child-worker';
import { runKeyProcess } from '../support/key-runs';
import { dropTestDatabases, expectPgChildrenMatch, expectPgMatches, pgDatabaseUrl, pgQuery } from '../support/pg-stack';
import { query, runSync, temporalClient, testConfigInput, uniqueName, withWorker, writeConfigFile } from '../support/stack';

const MEDIA = 2;

/** A config whose one source writes to one PostgreSQL destination, `pg`. */
function pgConfigInput(opts: Parameters<typeof testConfigInput>[0] & { source: string; transform?: RecordTransform }) {
  const base = testConfigInput(opts);
  return {
    ...base,
    sources: { [opts.source]: { ...base.sources[opts.source]!, destinations: ['pg'] } },
    destinations: { pg: { type: 'postgres' as const, url: pgDatabaseUrl(), ...(opts.transform ? { transform: opts.transform } : {}) } },
  };
}

function cli(configFile: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', fromRoot('worker', 'cli.ts'), '--config', configFile, ...args],
      { cwd: fromRoot() },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const mlsOf = (sim: SimulatorHandle) => ({ keys: () => sim.dataset.liveKeys(), record: (k: string) => sim.dataset.getRecord(k) });
const mediaOf = (sim: SimulatorHandle, keys = sim.dataset.liveKeys()) =>
  keys.flatMap((parentKey) => sim.dataset.getMedia(parentKey)!.map((record) => ({ parentKey, record })));

describe('sync into PostgreSQL (the only destination)', () => {
  const RECORDS = 400;
  const source = uniqueName('pgsync');
  let sim: SimulatorHandle;
  let config: Config;
  let configFile: string;
  let url: string;
  const count = async (table: string) =>
    Number((await pgQuery<{ n: string }>(url, `SELECT count(*) AS n FROM ${quotePgIdent(table)}`))[0]!.n);

  beforeAll(async () => {
    sim = await startSimulator({ records: RECORDS, seed: 71, port: 0, mediaPerRecord: MEDIA });
    const input = pgConfigInput({ simulatorUrl: sim.url, source, pageSize: 100, expand: [{ name: 'Media' }] });
    config = parseConfig(input);
    configFile = writeConfigFile(input);
    url = input.destinations.pg.url;
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropTestDatabases(config);
  });

  it('a full sync stores every record field by field, each Media row under its parent, and records the run', async () => {
    const { result } = await withWorker(config, () => runSync(config, source));
    expect(result).toMatchObject({ downloaded: RECORDS, upserted: RECORDS, rejected: 0 });
    await expectPgMatches(config, source, 'pg', mlsOf(sim));
    expect(await count('PropertyMedia')).toBe(RECORDS * MEDIA);
    await expectPgChildrenMatch(config, source, 'pg', 'Media', mediaOf(sim));
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
    await expectPgMatches(config, source, 'pg', mlsOf(sim));
    await expectPgChildrenMatch(config, source, 'pg', 'Media', mediaOf(sim));
    expect(touched).toHaveLength(20);
  });

  it('loses no record when a timestamp is shared across pages and across a run boundary', async () => {
    const keys = sim.dataset.liveKeys();
    const tie = new Date().toISOString();
    // 250 records (2.5 pages of 100) at one timestamp.
    sim.dataset.setTimestamp(keys.slice(100, 350), tie);
    await withWorker(config, async () => {
      await runSync(config, source);
      await expectPgMatches(config, source, 'pg', mlsOf(sim));
      // Later, 60 more reach the same timestamp, sorting before keys already stored at it.
      sim.dataset.setTimestamp(keys.slice(0, 30).concat(keys.slice(380, 410)), tie);
      await runSync(config, source);
    });
    await expectPgMatches(config, source, 'pg', mlsOf(sim));
    // Nothing changed since: at most one page is read again.
    const { result } = await withWorker(config, () => runSync(config, source));
    expect(result.downloaded).toBe(0);
    expect(result.pages).toBeLessThanOrEqual(1);
  });

  it('resync status, resync record and the dashboard count and compare the PostgreSQL table', async () => {
    const live = sim.dataset.liveKeys().length;
    const status = await cli(configFile, ['status', source, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const [property] = (JSON.parse(status.stdout) as StatusReport).sources[0]!.resources;
    expect(property!.destinations.map((d) => [d.name, d.count, d.countMatches, d.newestMatches])).toEqual([['pg', live, true, true]]);
    expect(property!.children[0]!.destinations).toEqual([{ name: 'pg', table: 'PropertyMedia', count: live * MEDIA }]);

    const runtime = new Runtime(config, pino({ level: 'silent' }));
    try {
      const counts = await new CountsService(config, runtime).get(source, { refresh: true });
      const [resource] = counts.resources;
      expect(resource!.destinations[0]).toMatchObject({ name: 'pg', count: live, verdict: { state: 'in-step' } });
      expect(Date.parse(resource!.destinations[0]!.newest!)).toBe(Date.parse(resource!.mls.newest!));
      expect(resource!.children[0]!.destinations[0]).toMatchObject({ name: 'pg', count: live * MEDIA });
      expect(counts.status).toBe('match');
    } finally {
      await runtime.close();
    }

    const key = sim.dataset.liveKeys()[11]!;
    const same = await cli(configFile, ['record', source, 'Property', key, '--json']);
    expect(same.code, same.stderr).toBe(0);
    const report = JSON.parse(same.stdout) as RecordReport;
    expect(report.destinations[0]).toMatchObject({ name: 'pg', table: 'Property', state: 'identical', differences: [] });
    expect(report.destinations[0]!.equal).toBeGreaterThan(100);

    // A typed column changed by hand is the one difference, named by field and column.
    await pgQuery(url, `UPDATE "Property" SET "City" = 'Nowhere', "ListPrice" = 1 WHERE "ListingKey" = $1`, [key]);
    const changed = JSON.parse((await cli(configFile, ['record', source, 'Property', key, '--json'])).stdout) as RecordReport;
    const mls = sim.dataset.getRecord(key)!;
    expect(changed.destinations[0]!.differences).toEqual([
      { field: 'ListPrice', column: 'ListPrice', mls: String(mls.ListPrice), destination: '1' },
      { field: 'City', column: 'City', mls: mls.City, destination: 'Nowhere' },
    ]);
    // A record the MLS does not have is not stored: missing.
    const unknown = JSON.parse((await cli(configFile, ['record', source, 'Property', 'NOPE', '--json'])).stdout) as RecordReport;
    expect(unknown.destinations[0]!.state).toBe('missing');
    sim.dataset.touch([key]);
  });

  it('a reconcile restores rows missing from PostgreSQL or stale there, with their Media', async () => {
    const lost = sim.dataset.liveKeys().filter((_, i) => i % 37 === 5);
    await pgQuery(url, `DELETE FROM "PropertyMedia" WHERE "_resync_parent_key" = ANY($1::text[])`, [lost]);
    await pgQuery(url, `DELETE FROM "Property" WHERE "ListingKey" = ANY($1::text[])`, [lost]);
    const outcome = await withWorker(config, () => runKeyProcess(config, 'reconcile', { source }));
    expect(outcome.failure).toBeUndefined();
    // Stale: the record changed by hand in the previous test, touched at the MLS since.
    expect(outcome.result?.byDestination.pg).toMatchObject({ missing: lost.length, stale: 1 });
    expect(outcome.result?.restored).toBe(lost.length + 1);
    await expectPgMatches(config, source, 'pg', mlsOf(sim));
    await expectPgChildrenMatch(config, source, 'pg', 'Media', mediaOf(sim));
  });

  it('a purge deletes what the MLS deleted, and their Media with them', async () => {
    const gone = sim.dataset.liveKeys().filter((_, i) => i % 41 === 7);
    sim.dataset.remove(gone);
    const before = await count('Property');
    const outcome = await withWorker(config, () => runKeyProcess(config, 'purge', { source }));
    expect(outcome.failure).toBeUndefined();
    expect(outcome.result?.byDestination.pg).toMatchObject({ rows: before, extra: gone.length, deleted: gone.length });
    await expectPgMatches(config, source, 'pg', mlsOf(sim));
    expect(await count('PropertyMedia')).toBe(sim.dataset.liveKeys().length * MEDIA);
    await expectPgChildrenMatch(config, source, 'pg', 'Media', mediaOf(sim));
  });
});

describe('sync into PostgreSQL through a transform hook, with rejects', () => {
  const RECORDS = 150;
  const source = uniqueName('pghooks');
  let sim: SimulatorHandle;
  let config: Config;
  // Chosen by key: which listings the hook skips, which it makes unstorable.
  const skipped = (key: string) => key.endsWith('7');
  const broken = (key: string) => key.endsWith('3');
  const transform: RecordTransform = (_resource, record, { parent }) => {
    if (parent) {
      // Media: the second photo is dropped, the others learn their listing's ID.
      if (record.Order === 2) return null;
      return { ...record, ResourceRecordID: parent.ListingId };
    }
    const key = String(record.ListingKey);
    if (skipped(key)) return null;
    if (broken(key)) return { ...record, ListPrice: 'call for price' };
    return { ...record, City: String(record.City).toUpperCase() };
  };
  const stored = (record: Record<string, unknown>) => ({ ...record, City: String(record.City).toUpperCase() });

  beforeAll(async () => {
    sim = await startSimulator({ records: RECORDS, seed: 72, port: 0, mediaPerRecord: 3 });
    const input = pgConfigInput({ simulatorUrl: sim.url, source, pageSize: 50, expand: [{ name: 'Media' }], transform });
    config = parseConfig(input);
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropTestDatabases(config);
  });

  it('stores what the hook returns, skips what it drops, and records each unstorable record as a reject', async () => {
    const keys = sim.dataset.liveKeys();
    const kept = keys.filter((k) => !skipped(k) && !broken(k));
    const rejected = keys.filter(broken);
    expect(rejected.length).toBeGreaterThan(5);
    const { result } = await withWorker(config, () => runSync(config, source));
    expect(result).toMatchObject({ downloaded: RECORDS, upserted: kept.length, rejected: rejected.length });

    await expectPgMatches(config, source, 'pg', { keys: () => kept, record: (k) => stored(sim.dataset.getRecord(k)!) });
    const media = kept.flatMap((parentKey) =>
      sim.dataset
        .getMedia(parentKey)!
        .filter((m) => m.Order !== 2)
        .map((m) => ({ parentKey, record: { ...m, ResourceRecordID: sim.dataset.getRecord(parentKey)!.ListingId } })),
    );
    await expectPgChildrenMatch(config, source, 'pg', 'Media', media);

    const rejects = await query<{ record_key: string; destination: string; field: string; reason: string }>(
      config.control.url,
      'SELECT record_key, destination, field, reason FROM resync_rejects ORDER BY record_key',
    );
    expect(rejects.map((r) => r.record_key)).toEqual([...rejected].sort());
    for (const r of rejects)
      expect(r).toMatchObject({ destination: 'pg', field: 'ListPrice', reason: expect.stringContaining('expected a number') });
  });
});

describe('a worker killed in the middle of a sync into PostgreSQL', () => {
  const RECORDS = 2000;
  const source = uniqueName('pgcrash');
  let sim: SimulatorHandle;
  let config: Config;
  let configFile: string;

  beforeAll(async () => {
    // Slow pages make the run long enough to be killed in the middle.
    sim = await startSimulator({ records: RECORDS, seed: 73, port: 0, latencyMs: 120 });
    const input = pgConfigInput({ simulatorUrl: sim.url, source, pageSize: 50 });
    config = parseConfig(input);
    configFile = writeConfigFile(input);
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropTestDatabases(config);
  });

  it('is finished by a new worker, and the table ends exact', async () => {
    const pageRequests = () => sim.stats.recentRequests.filter((u) => u.includes('/Property?') && u.includes('orderby'));
    const first = await startChildWorker(configFile, 'pg-crash-worker-1');
    const client = await temporalClient(config);
    try {
      sim.resetStats();
      const handle = await startSync(client, config, source, 'Property');
      // About a third of the 40 pages, then the machine "dies".
      while (pageRequests().length < 14) await new Promise((r) => setTimeout(r, 100));
      await first.kill('SIGKILL');
      const url = config.destinations.pg!.url;
      const partial = Number((await pgQuery<{ n: string }>(url, 'SELECT count(*) AS n FROM "Property"'))[0]!.n);
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(RECORDS);

      const second = await startChildWorker(configFile, 'pg-crash-worker-2');
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
    await expectPgMatches(config, source, 'pg', mlsOf(sim));
    const runs = await query<{ outcome: string }>(config.control.url, 'SELECT outcome FROM resync_runs');
    expect(runs).toEqual([{ outcome: 'succeeded' }]);
  });
});
