/**
 * Sync end to end: real Temporal dev server, real MariaDB, the simulator, an in-process worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { resourceWorkflowId, SEARCH_ATTRIBUTES } from '../../workflows/names';
import { startSync } from '../../worker/commands/sync';
import { syncResource } from '../../workflows/sync';
import type { Config } from '../../config';
import { expectDestinationsMatch } from '../support/compare';
import { dropDatabases, query, temporalClient, testConfig, withWorker } from '../support/stack';

function mlsOf(sim: SimulatorHandle) {
  return { keys: () => sim.dataset.liveKeys(), record: (k: string) => sim.dataset.getRecord(k) };
}

async function runSync(config: Config, source = 'sim') {
  const client = await temporalClient(config);
  try {
    const handle = await startSync(client, config, source, 'Property');
    const result = await handle.result();
    const description = await handle.describe();
    return { result, description };
  } finally {
    await client.connection.close();
  }
}

describe('sync', () => {
  let sim: SimulatorHandle;
  let config: Config;

  beforeAll(async () => {
    sim = await startSimulator({ records: 700, seed: 7, port: 0 });
    config = testConfig({ simulatorUrl: sim.url, pageSize: 100 });
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  it('replicates every record field for field, records the run and sets search attributes', async () => {
    await withWorker(config, async () => {
      const { result, description } = await runSync(config);
      expect(result.downloaded).toBe(700);
      expect(result.upserted).toBe(700);
      expect(result.rejected).toBe(0);
      expect(description.workflowId).toBe(resourceWorkflowId('sync', 'sim', 'Property'));
      expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.source)).toBe('sim');
      expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.process)).toBe('sync');
      expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.records)).toBe(700);
    });
    await expectDestinationsMatch(config, 'sim', 'Property', mlsOf(sim));
    const runs = await query(config.control.url, 'SELECT outcome, downloaded, upserted, high_water_mark FROM resync_runs');
    expect(runs).toEqual([expect.objectContaining({ outcome: 'succeeded', downloaded: 700, upserted: 700 })]);
  });

  it('picks up only what changed in the next run, including updates and additions', async () => {
    const touched = sim.dataset.liveKeys().slice(0, 25);
    sim.dataset.touch(touched);
    sim.dataset.add(10);
    await withWorker(config, async () => {
      const { result } = await runSync(config);
      // The run starts at the newest stored timestamp (inclusive), so it sees the 35 changes
      // plus, at most, the records that share that timestamp.
      expect(result.downloaded).toBeGreaterThanOrEqual(35);
      expect(result.downloaded).toBeLessThan(100);
    });
    await expectDestinationsMatch(config, 'sim', 'Property', mlsOf(sim));
  });

  it('loses no record when three pages share one timestamp across a page and a run boundary', async () => {
    const keys = sim.dataset.liveKeys();
    // The newest timestamp in the feed (MLS timestamps only move forward).
    const tie = new Date().toISOString();
    // 250 records (2.5 pages of 100) get one timestamp, so the cluster straddles page boundaries.
    sim.dataset.setTimestamp(keys.slice(100, 350), tie);
    await withWorker(config, async () => {
      await runSync(config);
      await expectDestinationsMatch(config, 'sim', 'Property', mlsOf(sim));
      // Later, 60 more records receive the very same timestamp: the next run must not skip them
      // although they sort before keys it already has at that timestamp.
      sim.dataset.setTimestamp(keys.slice(0, 30).concat(keys.slice(400, 430)), tie);
      await runSync(config);
    });
    await expectDestinationsMatch(config, 'sim', 'Property', mlsOf(sim));
  });

  it('downloads no page when nothing changed, though 310 records share the newest timestamp', async () => {
    sim.resetStats();
    await withWorker(config, async () => {
      const { result } = await runSync(config);
      expect(result.downloaded).toBe(0);
      // The MLS counts nothing after the stored tie, so the run reads no page at all.
      expect(result.pages).toBe(0);
    });
    // Measured at the MLS too: requests for records (not counts) of Property.
    const pages = sim.stats.recentExchanges
      .map((e) => decodeURIComponent(e.url))
      .filter((url) => url.includes('/Property?') && !url.includes('$count=true'));
    expect(pages).toEqual([]);
    await expectDestinationsMatch(config, 'sim', 'Property', mlsOf(sim));
  });

  it('still finds a record that reached the newest timestamp late while another left it (the counts at it agree)', async () => {
    const keys = sim.dataset.liveKeys();
    const tie = sim.dataset.getRecord(keys[100]!)!.ModificationTimestamp as string;
    // One record leaves the tie (modified now), another reaches it late, with a key below the
    // greatest one stored at it: the MLS still counts as many records at the tie as are stored.
    sim.dataset.touch([keys[200]!]);
    sim.dataset.setTimestamp([keys[50]!], tie);
    await withWorker(config, () => runSync(config));
    await expectDestinationsMatch(config, 'sim', 'Property', mlsOf(sim));
  });
});

describe('sync across chunks and continue-as-new', () => {
  it('ends exact when every page is its own chunk and the run continues as new every 3 chunks', async () => {
    const sim = await startSimulator({ records: 600, seed: 8, port: 0 });
    const config = testConfig({ simulatorUrl: sim.url, pageSize: 50 });
    try {
      await withWorker(config, async () => {
        const client = await temporalClient(config);
        try {
          const handle = await client.workflow.start(syncResource, {
            taskQueue: config.temporal.taskQueue,
            workflowId: resourceWorkflowId('sync', 'sim', 'Property'),
            args: [{ source: 'sim', resource: 'Property', tuning: { chunkBudgetMs: 0, chunksPerRun: 3 } }],
          });
          const result = await handle.result();
          expect(result.downloaded).toBe(600);
          const latest = await client.workflow.getHandle(handle.workflowId).describe();
          // The chain was continued as new: the latest run is not the first one.
          expect(latest.runId).not.toBe(handle.firstExecutionRunId);
        } finally {
          await client.connection.close();
        }
      });
      await expectDestinationsMatch(config, 'sim', 'Property', mlsOf(sim));
      // One stats row for the whole chain.
      const runs = await query(config.control.url, 'SELECT outcome, downloaded FROM resync_runs');
      expect(runs).toEqual([{ outcome: 'succeeded', downloaded: 600 }]);
    } finally {
      await sim.close();
      await dropDatabases(config);
    }
  });
});
