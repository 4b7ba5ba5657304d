/**
 * Reconcile end to end: rows deleted from a destination or made stale there by hand come back
 * exactly as the MLS has them, fetched by key; no other row is written, nothing is deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import type { Config } from '../../config';
import { expectDestinationsMatch } from '../support/compare';
import { runKeyProcess } from '../support/key-runs';
import { dropDatabases, query, runSync, testConfig, uniqueName, withWorker } from '../support/stack';

const SENTINEL = '{"untouched": true}';

describe('reconcile', () => {
  let sim: SimulatorHandle;
  let config: Config;
  let destinations: string[];

  const mls = () => ({ keys: () => sim.dataset.liveKeys(), record: (k: string) => sim.dataset.getRecord(k) });

  beforeAll(async () => {
    sim = await startSimulator({ records: 600, seed: 33, port: 0, pageSize: 80 });
    // Two destinations: a key missing from one is fetched once and written to both.
    config = testConfig({ simulatorUrl: sim.url, pageSize: 100, destinations: [uniqueName('t_rec_a'), uniqueName('t_rec_b')] });
    destinations = Object.values(config.destinations).map((d) => d.url);
    await withWorker(config, () => runSync(config, 'sim'));
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  it('restores rows deleted from a destination or made stale there, and writes nothing else', async () => {
    const keys = sim.dataset.liveKeys();
    const [a, b] = destinations as [string, string];
    const deletedFromA = keys.filter((_, i) => i % 50 === 7);
    const staleInA = keys.filter((_, i) => i % 60 === 11);
    const deletedFromB = keys.filter((_, i) => i % 70 === 13).filter((k) => !deletedFromA.includes(k) && !staleInA.includes(k));
    // Every row carries a mark a rewrite would erase (the extras column is rewritten with the record).
    for (const url of destinations) await query(url, 'UPDATE Property SET _resync_extra = ?', [SENTINEL]);
    await query(a, 'DELETE FROM Property WHERE ListingKey IN (?)', [deletedFromA]);
    // Stale: an older timestamp and a wrong price, as if an update had been lost.
    await query(
      a,
      'UPDATE Property SET ModificationTimestamp = ModificationTimestamp - INTERVAL 1 DAY, ListPrice = 1 WHERE ListingKey IN (?)',
      [staleInA],
    );
    await query(b, 'DELETE FROM Property WHERE ListingKey IN (?)', [deletedFromB]);
    sim.resetStats();

    const outcome = await withWorker(config, () => runKeyProcess(config, 'reconcile'));

    expect(outcome.failure).toBeUndefined();
    expect(outcome.result).toMatchObject({ keysStaged: 600, expected: 600, deleted: 0 });
    expect(outcome.result?.byDestination.d0).toMatchObject({
      rows: 600 - deletedFromA.length,
      missing: deletedFromA.length,
      stale: staleInA.length,
    });
    expect(outcome.result?.byDestination.d1).toMatchObject({ rows: 600 - deletedFromB.length, missing: deletedFromB.length, stale: 0 });
    const repaired = new Set([...deletedFromA, ...staleInA, ...deletedFromB]);
    expect(outcome.result?.restored).toBe(repaired.size);
    await expectDestinationsMatch(config, 'sim', 'Property', mls());

    // Only the repaired keys were rewritten (in both destinations: one fetch serves all).
    for (const url of destinations) {
      const marked = await query<{ ListingKey: string }>(url, 'SELECT ListingKey FROM Property WHERE _resync_extra = ?', [SENTINEL]);
      expect(marked.map((r) => r.ListingKey).sort()).toEqual(keys.filter((k) => !repaired.has(k)));
    }
    // Fetched by key, never by paging through records.
    const recordRequests = sim.stats.recentRequests.filter(
      (u) => u.includes('/Property?') && !u.includes('$select=ListingKey%2CModificationTimestamp'),
    );
    expect(recordRequests.length).toBeGreaterThan(0);
    expect(recordRequests.every((u) => decodeURIComponent(u).includes('ListingKey in ('))).toBe(true);

    const differences = await query(
      config.control.url,
      'SELECT destination, rows_compared, missing, stale FROM resync_run_differences ORDER BY destination',
    );
    expect(differences).toEqual([
      { destination: 'd0', rows_compared: 600 - deletedFromA.length, missing: deletedFromA.length, stale: staleInA.length },
      { destination: 'd1', rows_compared: 600 - deletedFromB.length, missing: deletedFromB.length, stale: 0 },
    ]);
    const runs = await query(config.control.url, "SELECT outcome, upserted, deleted FROM resync_runs WHERE process = 'reconcile'");
    expect(runs).toEqual([{ outcome: 'succeeded', upserted: repaired.size, deleted: 0 }]);
    for (const table of ['resync_staging_keys', 'resync_staging_diffs', 'resync_staging_runs']) {
      expect(await query(config.control.url, `SELECT 1 FROM ${table}`), table).toEqual([]);
    }
  });

  it('ends exact when every step is its own chunk and the run continues as new', async () => {
    const keys = sim.dataset.liveKeys();
    const lost = keys.filter((_, i) => i % 40 === 3);
    await query(destinations[0]!, 'DELETE FROM Property WHERE ListingKey IN (?)', [lost]);
    const outcome = await withWorker(config, () => runKeyProcess(config, 'reconcile', { tuning: { chunkBudgetMs: 0, chunksPerRun: 2 } }));
    expect(outcome.continued).toBe(true);
    expect(outcome.result).toMatchObject({ missing: lost.length, stale: 0, restored: lost.length });
    await expectDestinationsMatch(config, 'sim', 'Property', mls());
  });

  it('finds nothing to do when the destinations are in step, and never deletes', async () => {
    const extra = sim.dataset.liveKeys().slice(0, 4);
    // Records the MLS deleted are purge's business: reconcile leaves them.
    sim.dataset.remove(extra);
    sim.resetStats();
    const outcome = await withWorker(config, () => runKeyProcess(config, 'reconcile'));
    expect(outcome.result).toMatchObject({ keysStaged: 596, missing: 0, stale: 0, restored: 0, deleted: 0 });
    for (const url of destinations) {
      const [{ n } = { n: 0 }] = await query<{ n: number }>(url, 'SELECT COUNT(*) AS n FROM Property');
      expect(n).toBe(600);
    }
    expect(sim.stats.recentRequests.filter((u) => u.includes('ListingKey%20in'))).toEqual([]);
  });
});
