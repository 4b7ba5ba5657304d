/**
 * A worker SIGKILLed while `prepareSync` waits on a slow `$metadata`: the activity's heartbeat
 * timeout notices the dead worker within seconds and a new worker finishes the run — not after a
 * 10-minute start-to-close, as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { startSync } from '../../worker/commands/sync';
import { parseConfig, type Config } from '../../config';
import { expectDestinationsMatch } from '../support/compare';
import { startChildWorker } from '../support/child-worker';
import { dropDatabases, temporalClient, testConfigInput, writeConfigFile } from '../support/stack';

/** Generous, and still far below the old 10 minutes a dead worker's prepareSync held the run. */
const RESUMED_WITHIN_MS = 150_000;

describe('crash during prepareSync', () => {
  let sim: SimulatorHandle;
  let config: Config;
  let configFile: string;

  beforeAll(async () => {
    sim = await startSimulator({ records: 300, seed: 5, port: 0 });
    const input = testConfigInput({ simulatorUrl: sim.url, pageSize: 100 });
    config = parseConfig(input);
    configFile = writeConfigFile(input);
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  it('a new worker takes the run over within seconds of the old one dying', async () => {
    // The first $metadata request hangs for a minute: the worker dies in the middle of it.
    sim.faults.add({ kind: 'slow', delayMs: 60_000, count: 1, match: '$metadata' });
    const first = await startChildWorker(configFile, 'prepare-crash-worker-1');
    const client = await temporalClient(config);
    try {
      const handle = await startSync(client, config, 'sim', 'Property');
      await waitForStartedActivity(handle, 'prepareSync');
      // Past its first keep-alive heartbeats: the attempt is well under way.
      await new Promise((r) => setTimeout(r, 6000));
      await first.kill('SIGKILL');
      const killedAt = Date.now();

      const second = await startChildWorker(configFile, 'prepare-crash-worker-2');
      try {
        const result = await Promise.race([
          handle.result(),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`the run did not resume within ${RESUMED_WITHIN_MS / 1000} s`)), RESUMED_WITHIN_MS),
          ),
        ]);
        expect(result.downloaded).toBe(300);
        expect(Date.now() - killedAt).toBeLessThan(RESUMED_WITHIN_MS);
      } finally {
        await second.kill('SIGTERM');
      }
      const history = await handle.fetchHistory();
      const events = history.events ?? [];
      const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'prepareSync');
      const started = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId));
      // The attempt that finished it (the second worker's) is a retry of the one that died.
      expect(started?.activityTaskStartedEventAttributes?.attempt ?? 0).toBeGreaterThanOrEqual(2);
    } finally {
      await first.kill('SIGKILL');
      await client.connection.close();
    }
    await expectDestinationsMatch(config, 'sim', 'Property', {
      keys: () => sim.dataset.liveKeys(),
      record: (k) => sim.dataset.getRecord(k),
    });
  }, 240_000);
});

async function waitForStartedActivity(handle: WorkflowHandle, activityType: string): Promise<void> {
  for (;;) {
    const { raw } = await handle.describe();
    // PENDING_ACTIVITY_STATE_STARTED: a worker holds it.
    if (raw.pendingActivities?.some((a) => a.activityType?.name === activityType && Number(a.state) === 2)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
