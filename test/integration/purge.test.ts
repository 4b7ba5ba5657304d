/**
 * Purge end to end: real Temporal dev server, real MariaDB, the simulator, an in-process worker.
 * It deletes exactly what the MLS deleted (children with their parents), and refuses — deleting
 * nothing and saying why — when the key set is short or empty or the deletion is too large.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import type { TailFault } from '../../simulator/tail-fault';
import { parseConfig, type Config } from '../../config';
import type { SyncTuning } from '../../workflows/types';
import { runKeyProcess } from '../support/key-runs';
import { dropDatabases, query, runSync, testConfigInput, withWorker } from '../support/stack';

const MEDIA_PER_RECORD = 2;

describe('purge', () => {
  let sim: SimulatorHandle;
  const tailFault: TailFault = { records: 0 };
  let input: ReturnType<typeof testConfigInput>;
  let config: Config;
  let destination: string;

  const destinationKeys = async () =>
    (await query<{ ListingKey: string }>(destination, 'SELECT ListingKey FROM Property ORDER BY ListingKey')).map((r) => r.ListingKey);
  const mediaParents = async () =>
    (await query<{ p: string }>(destination, 'SELECT DISTINCT _resync_parent_key AS p FROM PropertyMedia ORDER BY p')).map((r) => r.p);

  /** Reconfigures the resource (same databases) and runs one process on a fresh worker. */
  async function run(process: 'purge' | 'sync', resource: Record<string, unknown> = {}, tuning?: SyncTuning) {
    const resources = [{ name: 'Property', pageSize: 100, expand: [{ name: 'Media' }], ...resource }];
    config = parseConfig({ ...input, sources: { sim: { ...input.sources.sim, resources } } });
    return withWorker(config, async () => {
      if (process === 'purge') return runKeyProcess(config, 'purge', { ...(tuning ? { tuning } : {}) });
      await runSync(config, 'sim');
      return undefined;
    });
  }

  beforeAll(async () => {
    // Server pages of 100 keys: the key download takes several pages.
    sim = await startSimulator({ records: 700, seed: 21, port: 0, pageSize: 100, mediaPerRecord: MEDIA_PER_RECORD, tailFault });
    input = testConfigInput({ simulatorUrl: sim.url });
    destination = Object.values(input.destinations)[0]!.url;
    await run('sync');
    expect(await destinationKeys()).toEqual(sim.dataset.liveKeys());
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  it('deletes exactly the records the MLS deleted, with their Media, and nothing else', async () => {
    const keys = sim.dataset.liveKeys();
    const gone = keys.filter((_, i) => i % 37 === 5).slice(0, 18);
    sim.dataset.remove(gone);
    sim.resetStats();

    const outcome = await run('purge');

    expect(outcome?.failure).toBeUndefined();
    expect(outcome?.result).toMatchObject({ deleted: 18, keysStaged: 682, expected: 682 });
    expect(outcome?.result?.byDestination.d0).toMatchObject({ rows: 700, extra: 18, deleted: 18 });
    expect(outcome?.searchRecords).toBe(682);
    expect(await destinationKeys()).toEqual(sim.dataset.liveKeys());
    expect(await mediaParents()).toEqual(sim.dataset.liveKeys());
    const [{ n } = { n: 0 }] = await query<{ n: number }>(destination, 'SELECT COUNT(*) AS n FROM PropertyMedia');
    expect(n).toBe(682 * MEDIA_PER_RECORD);
    // Keys only, in pages of the platform's key-only size (the server cut them to 100).
    const keyPages = sim.stats.recentRequests.filter((u) => u.includes('$select=ListingKey%2CModificationTimestamp'));
    expect(keyPages.length).toBeGreaterThanOrEqual(7);
    expect(keyPages[0]).toContain('$count=true');
    expect(keyPages.every((u) => u.includes('$top=10000'))).toBe(true);

    const runs = await query(config.control.url, "SELECT outcome, deleted, expected_total FROM resync_runs WHERE process = 'purge'");
    expect(runs).toEqual([{ outcome: 'succeeded', deleted: 18, expected_total: 682 }]);
    const differences = await query(config.control.url, 'SELECT destination, rows_compared, extra FROM resync_run_differences');
    expect(differences).toEqual([{ destination: 'd0', rows_compared: 700, extra: 18 }]);
    await expectStagingEmpty();
  });

  it('refuses when the key download loses its last pages, deletes nothing, and says why', async () => {
    const gone = sim.dataset.liveKeys().slice(10, 13);
    sim.dataset.remove(gone);
    tailFault.records = 150;
    let outcome;
    try {
      outcome = await run('purge');
    } finally {
      tailFault.records = 0;
    }

    expect(outcome?.failure?.type).toBe('PurgeRefused');
    expect(outcome?.failure?.message).toMatch(
      /key download is short: \d+ keys arrived, and the MLS counts 679 in the window.*nothing deleted/,
    );
    expect((await destinationKeys()).length).toBe(682);
    const runs = await query<{ outcome: string; error: string }>(
      config.control.url,
      "SELECT outcome, error FROM resync_runs WHERE process = 'purge' ORDER BY started_at DESC LIMIT 1",
    );
    expect(runs[0]).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/^PurgeRefused: the key download is short/) });
    await expectStagingEmpty();

    // Without the fault the same deletions go through.
    const next = await run('purge');
    expect(next?.result?.deleted).toBe(3);
    expect(await destinationKeys()).toEqual(sim.dataset.liveKeys());
  });

  it('refuses when the MLS returns no keys at all', async () => {
    const outcome = await run('purge', { filter: "ListingKey eq 'no-such-key'" });
    expect(outcome?.failure?.type).toBe('PurgeRefused');
    expect(outcome?.failure?.message).toMatch(/the MLS returned no keys/);
    expect((await destinationKeys()).length).toBe(679);
    await expectStagingEmpty();
  });

  it('refuses a deletion over the percent limit, then over the absolute limit, deleting nothing', async () => {
    // 40 of 679 rows is 5.9%: over the default 5%.
    const gone = sim.dataset
      .liveKeys()
      .filter((_, i) => i % 16 === 3)
      .slice(0, 40);
    sim.dataset.remove(gone);

    const overPercent = await run('purge');
    expect(overPercent?.failure?.type).toBe('PurgeRefused');
    expect(overPercent?.failure?.message).toMatch(/d0 would lose 40 of its 679 rows \(5\.89%\), more than maxDeletePercent 5/);
    expect((await destinationKeys()).length).toBe(679);

    const overCount = await run('purge', { purge: { maxDeletePercent: 10, maxDeletes: 39 } });
    expect(overCount?.failure?.message).toMatch(/d0 would lose 40 of its 679 rows, more than maxDeletes 39/);
    expect((await destinationKeys()).length).toBe(679);
    await expectStagingEmpty();

    const allowed = await run('purge', { purge: { maxDeletePercent: 10 } });
    expect(allowed?.result?.deleted).toBe(40);
    expect(await destinationKeys()).toEqual(sim.dataset.liveKeys());
    expect(await mediaParents()).toEqual(sim.dataset.liveKeys());
  });

  it('ends exact when every page, comparison step and batch is its own chunk and the run continues as new', async () => {
    const gone = sim.dataset.liveKeys().filter((_, i) => i % 90 === 1);
    sim.dataset.remove(gone);
    const before = await query(config.control.url, "SELECT run_id FROM resync_runs WHERE process = 'purge'");

    const outcome = await run('purge', { purge: { deleteBatchSize: 2 } }, { chunkBudgetMs: 0, chunksPerRun: 2 });

    expect(outcome?.failure).toBeUndefined();
    expect(outcome?.continued).toBe(true);
    expect(outcome?.result).toMatchObject({ deleted: gone.length, keysStaged: 639 - gone.length, expected: 639 - gone.length });
    expect(await destinationKeys()).toEqual(sim.dataset.liveKeys());
    expect(await mediaParents()).toEqual(sim.dataset.liveKeys());
    // One stats row for the whole chain.
    const after = await query(config.control.url, "SELECT run_id, deleted FROM resync_runs WHERE process = 'purge'");
    expect(after.length).toBe(before.length + 1);
    await expectStagingEmpty();
  });

  async function expectStagingEmpty() {
    for (const table of ['resync_staging_keys', 'resync_staging_diffs', 'resync_staging_runs']) {
      const [{ n } = { n: -1 }] = await query<{ n: number }>(config.control.url, `SELECT COUNT(*) AS n FROM ${table}`);
      expect(n, table).toBe(0);
    }
  }
});
