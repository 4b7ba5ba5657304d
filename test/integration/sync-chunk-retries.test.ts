/**
 * Chunk retries and progress: a chunk that committed pages before a failure hands its progress to
 * the workflow, which goes on in a fresh activity — so a flaky MLS (a quarter of all requests
 * failing) cannot exhaust the retry budget of a sync that keeps moving, while a fault that never
 * goes away still fails the run. A failed run records what it committed, and every failed attempt
 * is logged with its reason.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { parseConfig, type Config } from '../../config';
import { resourceWorkflowId } from '../../workflows/names';
import type { syncResource } from '../../workflows/sync';
import type { SyncTuning } from '../../workflows/types';
import { expectDestinationsMatch } from '../support/compare';
import { mlsOf } from '../support/contract';
import { dropDatabases, query, temporalClient, testConfigInput, withWorker } from '../support/stack';

/** A small retry budget: six failures in a row without progress fail the run. */
const TUNING: SyncTuning = {
  // One chunk would hold the whole run: without progress hand-over, every fault of the run counts.
  chunkBudgetMs: 600_000,
  chunkRetry: { maximumAttempts: 6, initialIntervalMs: 100, maximumIntervalMs: 500 },
};

/** Pages after the first (keyset paging filters on the key from the second page on). */
const LATER_PAGES = 'ListingKey gt';

interface RunRow {
  outcome: string;
  error: string | null;
  pages: number;
  downloaded: number;
  upserted: number;
}

describe('chunk retries and progress', () => {
  let sim: SimulatorHandle;

  beforeAll(async () => {
    sim = await startSimulator({ records: 1000, seed: 23, port: 0, faultSeed: 7 });
  });

  afterAll(async () => {
    await sim?.close();
  });

  /** A fresh destination (and log folder) per test: each starts with a full load. */
  async function withFreshConfig(fn: (config: Config, client: Client) => Promise<void>): Promise<void> {
    const input = testConfigInput({ simulatorUrl: sim.url, pageSize: 25 });
    const logs = mkdtempSync(join(tmpdir(), 'resync-logs-'));
    const config = parseConfig({ ...input, logging: { level: 'warn', dir: logs } });
    try {
      await withWorker(config, async () => {
        const client = await temporalClient(config);
        try {
          await fn(config, client);
        } finally {
          await client.connection.close();
        }
      });
    } finally {
      await dropDatabases(config);
      rmSync(logs, { recursive: true, force: true });
    }
  }

  const startTunedSync = (client: Client, config: Config) =>
    client.workflow.start<typeof syncResource>('syncResource', {
      taskQueue: config.temporal.taskQueue,
      workflowId: resourceWorkflowId('sync', 'sim', 'Property'),
      args: [{ source: 'sim', resource: 'Property', tuning: TUNING }],
    });

  const runRow = async (config: Config) =>
    (await query<RunRow>(config.control.url, 'SELECT outcome, error, pages, downloaded, upserted FROM resync_runs'))[0];

  it('a sync through 25% failed requests finishes, though the faults far exceed the retry budget', async () => {
    await withFreshConfig(async (config, client) => {
      sim.resetStats();
      sim.faults.add({ kind: '5xx', ratio: 0.25, match: LATER_PAGES });
      try {
        const handle = await startTunedSync(client, config);
        const result = await handle.result();
        expect(result.downloaded).toBeGreaterThanOrEqual(1000);
      } finally {
        sim.faults.clear();
      }
      // Many more faults than one chunk's six attempts could absorb: progress reset the budget.
      expect(sim.stats.faults['5xx']).toBeGreaterThan(2 * TUNING.chunkRetry!.maximumAttempts!);
      await expectDestinationsMatch(config, 'sim', 'Property', mlsOf(sim));
      expect(await runRow(config)).toMatchObject({ outcome: 'succeeded', downloaded: 1000, upserted: 1000 });
    });
  });

  it('a fault that never goes away fails the run after the retry budget, and the run records the pages it committed', async () => {
    await withFreshConfig(async (config, client) => {
      // The first page commits; every later one fails with a 503, for good.
      sim.faults.add({ kind: '5xx', ratio: 1, match: LATER_PAGES });
      try {
        const handle = await startTunedSync(client, config);
        const failure = await handle.result().then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(failure, 'the run must fail').toBeDefined();
      } finally {
        sim.faults.clear();
      }
      const row = await runRow(config);
      expect(row).toMatchObject({ outcome: 'failed', pages: 1, downloaded: 25, upserted: 25 });
      expect(row?.error).toContain('SourceUnavailable');
      expect((await query(Object.values(config.destinations)[0]!.url, 'SELECT COUNT(*) AS n FROM Property'))[0]).toEqual({ n: 25 });
      // Every failed attempt is in the source's log with its reason, not as `"error":{}`.
      const failures = readFileSync(join(config.logging.dir, 'sim.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { activityType?: string; attempt?: number; error?: { type?: string; message?: string } })
        .filter((l) => l.activityType === 'syncPages' && l.error?.type === 'SourceUnavailable');
      expect(failures.map((l) => l.attempt)).toEqual(expect.arrayContaining([1, 2, 3]));
      for (const l of failures) expect(l.error?.message).toContain('answered 503');
    });
  });

  it('a refusal after committed pages fails the run at once and records what the failing chunk committed', async () => {
    await withFreshConfig(async (config, client) => {
      // The first page commits; the request for the second is refused (400: not retryable), so the
      // chunk fails without handing its progress back.
      sim.faults.add({ kind: '4xx', count: 1, match: LATER_PAGES });
      const handle = await startTunedSync(client, config);
      const failure = await handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure, 'the run must fail').toBeDefined();
      const row = await runRow(config);
      expect(row).toMatchObject({ outcome: 'failed', pages: 1, downloaded: 25, upserted: 25 });
      expect(row?.error).toContain('SourceRequestRejected');
    });
  });
});
