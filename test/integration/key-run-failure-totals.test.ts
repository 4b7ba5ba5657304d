/**
 * A purge or reconcile that fails part-way records what it had committed — keys staged, records
 * written again — in its run row, not zeros.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { parseConfig, type Config } from '../../config';
import { runKeyProcess } from '../support/key-runs';
import { dropDatabases, query, runSync, testConfigInput, withWorker } from '../support/stack';

interface RunRow {
  process: string;
  outcome: string;
  error: string | null;
  pages: number;
  downloaded: number;
  upserted: number;
}

describe('failed purge and reconcile runs record what they committed', () => {
  let sim: SimulatorHandle;
  let config: Config;
  let destination: string;

  beforeAll(async () => {
    // Server pages of 50: the key download takes twelve pages.
    sim = await startSimulator({ records: 600, seed: 17, port: 0, pageSize: 50 });
    const input = testConfigInput({ simulatorUrl: sim.url });
    config = parseConfig(input);
    destination = Object.values(input.destinations)[0]!.url;
    await withWorker(config, () => runSync(config, 'sim'));
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  const lastRun = async (process: string) =>
    (
      await query<RunRow>(
        config.control.url,
        'SELECT process, outcome, error, pages, downloaded, upserted FROM resync_runs WHERE process = ? ORDER BY started_at DESC LIMIT 1',
        [process],
      )
    )[0];

  it('purge: a key download refused on its second page records the first page’s keys', async () => {
    sim.faults.add({ kind: '4xx', count: 1, match: 'ListingKey gt' });
    try {
      const { failure } = await withWorker(config, () => runKeyProcess(config, 'purge'));
      expect(failure?.type).toBe('SourceRequestRejected');
    } finally {
      sim.faults.clear();
    }
    expect(await lastRun('purge')).toMatchObject({ outcome: 'failed', pages: 1, downloaded: 50 });
  });

  it('reconcile: a re-fetch refused on its second request records the records the first one restored', async () => {
    const missing = sim.dataset.liveKeys().slice(200, 350).sort();
    await query(destination, `DELETE FROM Property WHERE ListingKey IN (${missing.map(() => '?').join(',')})`, missing);
    // Re-fetches go 100 keys to a request: the second request's list starts with the 101st key.
    sim.faults.add({ kind: '4xx', count: 1, match: `ListingKey in ('${missing[100]}'` });
    try {
      const { failure } = await withWorker(config, () => runKeyProcess(config, 'reconcile'));
      expect(failure?.type).toBe('SourceRequestRejected');
      expect(sim.stats.faults['4xx']).toBeGreaterThanOrEqual(1);
    } finally {
      sim.faults.clear();
    }
    expect(await lastRun('reconcile')).toMatchObject({ outcome: 'failed', downloaded: 600, upserted: 100 });
    const [{ n }] = (await query<{ n: number }>(destination, 'SELECT COUNT(*) AS n FROM Property')) as [{ n: number }];
    expect(n).toBe(600 - 50);
  });
});
