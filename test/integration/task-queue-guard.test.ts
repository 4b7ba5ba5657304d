/**
 * Two configs with the same source names but different destination databases, pinned to one task
 * queue: the second config's worker refuses to start (it would take the first's runs and write
 * them to its own database), while a second worker of the same config starts beside the first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeConnection } from '@temporalio/worker';
import { parseConfig, type Config } from '../../config';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { startWorker } from '../../worker/worker';
import { listPollers } from '../../worker/task-queue-guard';
import { dropDatabases, testConfigInput, uniqueName, withWorker } from '../support/stack';

/** Waits until the server lists a poller with this identity (a worker's first poll follows its start). */
async function untilPolling(config: Config, identity: string): Promise<void> {
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    for (;;) {
      const pollers = await listPollers(connection, config.temporal.namespace, config.temporal.taskQueue);
      if (pollers.some((p) => p.identity === identity)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await connection.close();
  }
}

describe('workers of different configs on one pinned task queue', () => {
  let sim: SimulatorHandle;
  let first: Config;
  let second: Config;

  beforeAll(async () => {
    sim = await startSimulator({ records: 10, seed: 14, port: 0 });
    const taskQueue = uniqueName('tq_shared');
    const a = testConfigInput({ simulatorUrl: sim.url, source: 'sim' });
    const b = testConfigInput({ simulatorUrl: sim.url, source: 'sim' });
    first = parseConfig({ ...a, temporal: { ...a.temporal, taskQueue } });
    second = parseConfig({ ...b, temporal: { ...b.temporal, taskQueue } });
  });

  afterAll(async () => {
    await sim?.close();
    if (first) await dropDatabases(first);
    if (second) await dropDatabases(second);
  });

  it('refuse: the second config names the queue, the other worker and what to do', async () => {
    await withWorker(first, async (running) => {
      await untilPolling(first, running.worker.options.identity);
      const refused = await startWorker(second, { console: false }).then(
        async (w) => {
          await w.shutdown();
          return undefined;
        },
        (error: unknown) => error as Error,
      );
      expect(refused?.name).toBe('TaskQueueConflict');
      expect(refused?.message).toContain(`task queue "${first.temporal.taskQueue}"`);
      expect(refused?.message).toMatch(/identity: "resync \S+ \d+@\S+ config=[0-9a-f]{12}"/);
      expect(refused?.message).toContain('same config');
      expect(refused?.message).toContain('temporal.taskQueue');
    });
  }, 120_000);

  it('start side by side when the config is the same', async () => {
    await withWorker(first, async () => {
      await withWorker(first, async (again) => {
        expect(again.worker.getState()).toBe('RUNNING');
      });
    });
  }, 120_000);
});
