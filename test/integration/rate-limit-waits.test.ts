/**
 * Rate limits are one mechanism for every activity: a 429 whose Retry-After is too long to sleep
 * through in the request budget (over 10 s) makes the activity's retry wait as long as the MLS asked
 * — for purge's key download and reconcile's re-fetch as for sync's pages — rather than failing
 * attempt after attempt on ordinary backoff while the cool-down lasts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { parseConfig, type Config } from '../../config';
import { resourceWorkflowId } from '../../workflows/names';
import type { syncResource } from '../../workflows/sync';
import { startKeyRun } from '../support/key-runs';
import { dropDatabases, query, runSync, temporalClient, testConfigInput, withWorker } from '../support/stack';

const RETRY_AFTER_S = 20;

describe('Retry-After in purge and reconcile activities', () => {
  let sim: SimulatorHandle;
  let config: Config;
  let destination: string;

  beforeAll(async () => {
    sim = await startSimulator({ records: 600, seed: 41, port: 0 });
    const input = testConfigInput({ simulatorUrl: sim.url, pageSize: 100 });
    config = parseConfig(input);
    destination = Object.values(input.destinations)[0]!.url;
    await withWorker(config, () => runSync(config, 'sim'));
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  /** Runs a purge or reconcile with one forced 429 on the requests `match` selects. */
  async function runWith429(process: 'purge' | 'reconcile', match: string) {
    sim.resetStats();
    sim.faults.add({ kind: '429', count: 1, retryAfterSeconds: RETRY_AFTER_S, match });
    return withWorker(config, async () => {
      const client = await temporalClient(config);
      try {
        const handle = await startKeyRun(client, config, process);
        const result = await handle.result();
        return { result, attempts: await attemptsOf(handle) };
      } finally {
        sim.faults.clear();
        await client.connection.close();
      }
    });
  }

  /** No MLS request came before the Retry-After was over. */
  function expectRetryAfterHonoured(): void {
    const exchanges = sim.stats.recentExchanges.filter((e) => e.url.includes('/Property'));
    const refused = exchanges.findIndex((e) => e.status === 429);
    expect(refused).toBeGreaterThanOrEqual(0);
    const after = exchanges.slice(refused + 1);
    expect(after.length).toBeGreaterThan(0);
    for (const e of after) expect(e.at - exchanges[refused]!.at).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000);
  }

  it('sync: a 429 after a chunk committed pages makes the workflow wait the Retry-After before the next chunk', async () => {
    // An empty destination of its own: the first page of the full load has no key in its filter, every later one has.
    const fresh = parseConfig(testConfigInput({ simulatorUrl: sim.url, pageSize: 100 }));
    sim.resetStats();
    sim.faults.add({ kind: '429', count: 1, retryAfterSeconds: RETRY_AFTER_S, match: 'ListingKey gt' });
    try {
      const history = await withWorker(fresh, async () => {
        const client = await temporalClient(fresh);
        try {
          const handle = await client.workflow.start<typeof syncResource>('syncResource', {
            taskQueue: fresh.temporal.taskQueue,
            workflowId: resourceWorkflowId('sync', 'sim', 'Property'),
            args: [{ source: 'sim', resource: 'Property', tuning: { chunkBudgetMs: 600_000 } }],
          });
          expect((await handle.result()).downloaded).toBe(600);
          return await handle.fetchHistory();
        } finally {
          await client.connection.close();
        }
      });
      expectRetryAfterHonoured();
      // The chunk handed its first page over and the workflow slept the Retry-After (no retry was used).
      const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes);
      expect(timers).toHaveLength(1);
    } finally {
      sim.faults.clear();
      await dropDatabases(fresh);
    }
  }, 180_000);

  it('purge: a 429 during the key download makes the retry wait the Retry-After, in one attempt', async () => {
    const { result, attempts } = await runWith429('purge', '$select=ListingKey,ModificationTimestamp');
    expect(result.keysStaged).toBe(600);
    expectRetryAfterHonoured();
    // Waiting as asked takes one retry; ordinary backoff (1 s, 2 s, 4 s…) would fail several times first.
    expect(Math.max(...(attempts.get('downloadKeys') ?? [0]))).toBe(2);
  }, 180_000);

  it('reconcile: a 429 while re-fetching missing records makes the retry wait the Retry-After, in one attempt', async () => {
    const gone = sim.dataset.liveKeys().slice(0, 30);
    await query(destination, `DELETE FROM Property WHERE ListingKey IN (${gone.map(() => '?').join(',')})`, gone);
    const { result, attempts } = await runWith429('reconcile', 'ListingKey in (');
    expect(result.restored).toBe(30);
    expectRetryAfterHonoured();
    expect(Math.max(...(attempts.get('fetchKeys') ?? [0]))).toBe(2);
  }, 180_000);
});

/** The attempt each activity (by type) was started with, from the workflow's history. */
async function attemptsOf(handle: WorkflowHandle): Promise<Map<string, number[]>> {
  const events = (await handle.fetchHistory()).events ?? [];
  const typeOf = new Map<string, string>();
  for (const e of events) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) typeOf.set(String(e.eventId), name);
  }
  const attempts = new Map<string, number[]>();
  for (const e of events) {
    const started = e.activityTaskStartedEventAttributes;
    if (!started) continue;
    const type = typeOf.get(String(started.scheduledEventId)) ?? '?';
    attempts.set(type, [...(attempts.get(type) ?? []), started.attempt ?? 0]);
  }
  return attempts;
}
