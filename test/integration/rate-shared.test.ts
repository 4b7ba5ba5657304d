/**
 * Budgets that hold across processes and workers, seen from the MLS side: an MLS Grid
 * personality (2 requests a second) serves a sync and a purge of one source, run by two workers
 * at once. It must never see more than 2 requests in a second, nor send a 429; a forced 429 must
 * silence every activity of the source for its Retry-After, then let them finish.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { defaultToken } from '../../simulator/personalities/common';
import { startResourceRun } from '../../worker/commands/resource-runs';
import type { Config } from '../../config';
import { expectDestinationsMatch } from '../support/compare';
import { mlsOf } from '../support/contract';
import { dropDatabases, temporalClient, testConfig, withWorker } from '../support/stack';

const SOURCE = 'grid';

/** Most requests that arrived within any 1,000 ms (sliding) and within any calendar second. */
function busiestSecond(times: number[]): { sliding: number; calendar: number } {
  const sorted = [...times].sort((a, b) => a - b);
  let sliding = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1000) j++;
    sliding = Math.max(sliding, i - j + 1);
  }
  const perSecond = new Map<number, number>();
  for (const t of sorted) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
  return { sliding, calendar: Math.max(0, ...perSecond.values()) };
}

async function syncAndPurgeTogether(config: Config): Promise<void> {
  // Two workers on one task queue: each has its own activities and its own budget object, so
  // only the control DB can keep them within the platform's limit.
  await withWorker(config, () =>
    withWorker(config, async () => {
      const client = await temporalClient(config);
      try {
        const sync = await startResourceRun(client, config, 'sync', SOURCE, 'Property');
        const purge = await startResourceRun(client, config, 'purge', SOURCE, 'Property');
        await Promise.all([sync.result(), purge.result()]);
      } finally {
        await client.connection.close();
      }
    }),
  );
}

describe('request budgets across processes and workers (MLS Grid personality)', () => {
  let sim: SimulatorHandle;
  let config: Config;

  beforeAll(async () => {
    sim = await startSimulator({
      records: 1500,
      seed: 31,
      port: 0,
      personality: 'mlsgrid',
      personalityOptions: { originatingSystemName: 'actris' },
    });
    config = testConfig({
      simulatorUrl: sim.url,
      source: SOURCE,
      platform: 'mlsgrid',
      auth: { type: 'bearer', token: defaultToken('mlsgrid') },
      originatingSystemName: 'actris',
      pageSize: 25,
    });
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  it('sync and purge on two workers never exceed 2 requests a second, and draw no 429', async () => {
    sim.resetStats();
    await syncAndPurgeTogether(config);
    const exchanges = sim.stats.recentExchanges.filter((e) => e.url.includes('/Property'));
    // 1,500 records at 25 a page: a minute of requests at 2 a second.
    expect(exchanges.length).toBeGreaterThanOrEqual(60);
    expect(exchanges.filter((e) => e.status === 429)).toEqual([]);
    const busiest = busiestSecond(exchanges.map((e) => e.at));
    expect(busiest.calendar).toBeLessThanOrEqual(2);
    expect(busiest.sliding).toBeLessThanOrEqual(2);
    await expectDestinationsMatch(
      config,
      SOURCE,
      'Property',
      mlsOf(sim, (r) => r.MlgCanView !== false),
    );
  }, 300_000);

  it('one forced 429 makes every activity of the source wait its Retry-After, then both finish', async () => {
    sim.dataset.touch(200);
    sim.resetStats();
    sim.faults.add({ kind: '429', count: 1, retryAfterSeconds: 3, match: 'Property?' });
    await syncAndPurgeTogether(config);
    const exchanges = sim.stats.recentExchanges.filter((e) => e.url.includes('/Property'));
    const refused = exchanges.findIndex((e) => e.status === 429);
    expect(refused).toBeGreaterThanOrEqual(0);
    const after = exchanges.slice(refused + 1);
    expect(after.length).toBeGreaterThan(0);
    // Nobody — not the process that got the 429, not the other one — asked again too early.
    for (const e of after) expect(e.at - exchanges[refused]!.at).toBeGreaterThanOrEqual(3000);
    expect(exchanges.filter((e) => e.status === 429)).toHaveLength(1);
    await expectDestinationsMatch(
      config,
      SOURCE,
      'Property',
      mlsOf(sim, (r) => r.MlgCanView !== false),
    );
  }, 300_000);
});
