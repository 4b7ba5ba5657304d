/**
 * Workers of different configs in one Temporal namespace: each config's default task queue is its
 * own, so a worker never takes a run of a source its config does not have (which used to fail
 * with `source "tre" is not in the config`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../config';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { startSync } from '../../worker/commands/sync';
import { dropDatabases, temporalClient, testConfigInput, uniqueName, withWorker } from '../support/stack';

/** A test config that keeps the default (derived) task queue. */
function configWithDefaultQueue(simulatorUrl: string, source: string): Config {
  const input = testConfigInput({ simulatorUrl, source });
  const { taskQueue: _pinned, ...temporal } = input.temporal;
  return parseConfig({ ...input, temporal });
}

describe('workers of different configs', () => {
  let sim: SimulatorHandle;
  let alpha: Config;
  let beta: Config;
  const alphaSource = uniqueName('alpha');
  const betaSource = uniqueName('beta');

  beforeAll(async () => {
    sim = await startSimulator({ records: 40, seed: 14, port: 0 });
    alpha = configWithDefaultQueue(sim.url, alphaSource);
    beta = configWithDefaultQueue(sim.url, betaSource);
  });

  afterAll(async () => {
    await sim?.close();
    if (alpha) await dropDatabases(alpha);
    if (beta) await dropDatabases(beta);
  });

  it('poll different default task queues', () => {
    expect(alpha.temporal.taskQueue).toBe(`resync-${alphaSource}`);
    expect(beta.temporal.taskQueue).toBe(`resync-${betaSource}`);
  });

  it("each run their own source's sync, never the other's", async () => {
    const alphaClient = await temporalClient(alpha);
    const betaClient = await temporalClient(beta);
    try {
      // Only beta's worker is up: alpha's sync must wait for a worker of its own config.
      const { alphaRun, betaResult } = await withWorker(beta, async () => {
        const alphaRun = await startSync(alphaClient, alpha, alphaSource, 'Property');
        const betaRun = await startSync(betaClient, beta, betaSource, 'Property');
        const betaResult = await betaRun.result();
        return { alphaRun, betaResult };
      });
      expect(betaResult.downloaded).toBe(40);
      const waiting = await alphaRun.describe();
      expect(waiting.status.name).toBe('RUNNING');
      expect(waiting.taskQueue).toBe(alpha.temporal.taskQueue);

      const alphaResult = await withWorker(alpha, () => alphaRun.result());
      expect(alphaResult.downloaded).toBe(40);
    } finally {
      await alphaClient.connection.close();
      await betaClient.connection.close();
    }
  });
});
