/**
 * Purge and reconcile on a destination with a keyMapping whose stored keys sort in another order
 * than the MLS's (here: reversed text), next to a plain destination: both end exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { parseConfig, type Config } from '../../config';
import type { runSource } from '../../workflows/run-source';
import { runKeyProcess } from '../support/key-runs';
import { dropDatabases, query, runSync, temporalClient, testConfigInput, uniqueName, withWorker } from '../support/stack';

const reverse = (key: string) => [...key].reverse().join('');

describe('purge and reconcile with a keyMapping', () => {
  let sim: SimulatorHandle;
  let config: Config;
  let plain: string;
  let mapped: string;

  const keysOf = async (url: string) =>
    (await query<{ ListingKey: string }>(url, 'SELECT ListingKey FROM Property')).map((r) => r.ListingKey).sort();

  beforeAll(async () => {
    sim = await startSimulator({ records: 300, seed: 5, port: 0, pageSize: 70 });
    const input = testConfigInput({ simulatorUrl: sim.url, pageSize: 100, destinations: [uniqueName('t_plain'), uniqueName('t_mapped')] });
    config = parseConfig({
      ...input,
      destinations: { ...input.destinations, d1: { ...input.destinations.d1!, keyMapping: { toDestination: reverse, toMls: reverse } } },
    });
    plain = config.destinations.d0!.url;
    mapped = config.destinations.d1!.url;
    await withWorker(config, () => runSync(config, 'sim'));
    expect(await keysOf(mapped)).toEqual(sim.dataset.liveKeys().map(reverse).sort());
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  it('purges the same records from both', async () => {
    const gone = sim.dataset.liveKeys().filter((_, i) => i % 31 === 4);
    sim.dataset.remove(gone);
    const outcome = await withWorker(config, () => runKeyProcess(config, 'purge'));
    expect(outcome.failure).toBeUndefined();
    expect(outcome.result?.byDestination).toMatchObject({
      d0: { extra: gone.length, deleted: gone.length },
      d1: { extra: gone.length, deleted: gone.length },
    });
    expect(await keysOf(plain)).toEqual(sim.dataset.liveKeys());
    expect(await keysOf(mapped)).toEqual(sim.dataset.liveKeys().map(reverse).sort());
  });

  it('restores rows missing from the mapped destination under their stored keys', async () => {
    const lost = sim.dataset.liveKeys().filter((_, i) => i % 23 === 9);
    await query(mapped, 'DELETE FROM Property WHERE ListingKey IN (?)', [lost.map(reverse)]);
    const outcome = await withWorker(config, () => runKeyProcess(config, 'reconcile'));
    expect(outcome.result?.byDestination).toMatchObject({ d0: { missing: 0, stale: 0 }, d1: { missing: lost.length, stale: 0 } });
    expect(await keysOf(mapped)).toEqual(sim.dataset.liveKeys().map(reverse).sort());
    expect(await keysOf(plain)).toEqual(sim.dataset.liveKeys());
  });

  it('runs as runSource children with the run recorded under its parent', async () => {
    const result = await withWorker(config, async () => {
      const client = await temporalClient(config);
      try {
        return await client.workflow.execute<typeof runSource>('runSource', {
          taskQueue: config.temporal.taskQueue,
          workflowId: uniqueName('run/sim/purge'),
          args: [{ source: 'sim', process: 'purge' }],
        });
      } finally {
        await client.connection.close();
      }
    });
    expect(result.outcomes).toEqual([{ resource: 'Property', workflowId: 'purge/sim/Property', outcome: 'succeeded' }]);
    const runs = await query<{ parent_run_id: string | null }>(
      config.control.url,
      "SELECT parent_run_id FROM resync_runs WHERE process = 'purge' ORDER BY started_at DESC LIMIT 1",
    );
    expect(runs[0]?.parent_run_id).toBeTruthy();
  });
});
