/**
 * A worker is SIGKILLed in the middle of a sync; a new worker finishes the same workflow. The
 * destination must equal the MLS exactly, and only the pages since the last heartbeat may be
 * downloaded twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { startSync } from '../../worker/commands/sync';
import type { Config } from '../../config';
import { parseConfig } from '../../config';
import { expectDestinationsMatch } from '../support/compare';
import { startChildWorker } from '../support/child-worker';
import { dropDatabases, temporalClient, testConfigInput, writeConfigFile } from '../support/stack';

describe('crash during sync', () => {
  let sim: SimulatorHandle;
  let config: Config;
  let configFile: string;

  beforeAll(async () => {
    // Slow pages make the run long enough to be killed in the middle.
    sim = await startSimulator({ records: 3000, seed: 11, port: 0, latencyMs: 120 });
    const input = testConfigInput({ simulatorUrl: sim.url, pageSize: 50 });
    config = parseConfig(input);
    configFile = writeConfigFile(input);
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  it('resumes on another worker from the last heartbeat and ends exact', async () => {
    const first = await startChildWorker(configFile, 'crash-worker-1');
    const client = await temporalClient(config);
    try {
      sim.resetStats();
      const handle = await startSync(client, config, 'sim', 'Property');
      const began = Date.now();
      // Let about a third of the 60 pages be committed, then kill the worker without warning.
      while (pageRequests(sim).length < 20) await new Promise((r) => setTimeout(r, 100));
      const pagesBeforeKill = pageRequests(sim).length;
      const secondsBeforeKill = (Date.now() - began) / 1000;
      await first.kill('SIGKILL');

      const second = await startChildWorker(configFile, 'crash-worker-2');
      try {
        const result = await handle.result();
        expect(result.downloaded).toBeGreaterThanOrEqual(3000);
      } finally {
        await second.kill('SIGTERM');
      }

      const urls = pageRequests(sim);
      const repeated = urls.length - new Set(urls).size;
      // Heartbeats reach the server every second; add the page being written and the one
      // prefetched when the worker died.
      const pagesPerSecond = pagesBeforeKill / secondsBeforeKill;
      expect(repeated).toBeLessThanOrEqual(Math.ceil(pagesPerSecond * 1) + 2);
    } finally {
      await first.kill('SIGKILL');
      await client.connection.close();
    }
    await expectDestinationsMatch(config, 'sim', 'Property', {
      keys: () => sim.dataset.liveKeys(),
      record: (k) => sim.dataset.getRecord(k),
    });
  });
});

/** Page requests for Property data (not $metadata, not the count query). */
function pageRequests(sim: SimulatorHandle): string[] {
  return sim.stats.recentRequests.filter((u: string) => u.includes('/Property?') && u.includes('orderby'));
}
