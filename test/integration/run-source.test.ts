/**
 * Many of everything: two sources × two resources × two destinations through runSource, with
 * exact results; and a failing destination fails the run with its name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { parseConfig, withDatabase, type Config } from '../../config';
import { fromRoot } from '../../scripts/lib/paths';
import { TASK_QUEUE } from '../../workflows/names';
import type { runSource } from '../../workflows/run-source';
import { expectDestinationsMatch, type RecordSource } from '../support/compare';
import { dropDatabases, query, temporalClient, uniqueName, withWorker } from '../support/stack';

function configFor(sims: Record<string, SimulatorHandle>, destinations: Record<string, string>): Config {
  const server = inject('mysqlServerUrl');
  return parseConfig({
    sources: Object.fromEntries(
      Object.entries(sims).map(([name, sim]) => [
        name,
        {
          url: sim.url,
          destinations: Object.keys(destinations),
          resources: [
            { name: 'Property', pageSize: 100 },
            { name: 'Media', pageSize: 250 },
          ],
        },
      ]),
    ),
    destinations: Object.fromEntries(
      Object.entries(destinations).map(([name, url]) => [
        name,
        // Two sources share each database: tables are prefixed by source.
        { type: 'mysql', url, makeTableName: (source: string, resource: string) => `${source}_${resource}` },
      ]),
    ),
    control: { url: withDatabase(server, uniqueName('t_control')) },
    temporal: { address: inject('temporalAddress'), taskQueue: uniqueName(TASK_QUEUE) },
    logging: { level: 'warn', dir: fromRoot('logs', 'test') },
  });
}

const properties = (sim: SimulatorHandle): RecordSource => ({
  keys: () => sim.dataset.liveKeys(),
  record: (k) => sim.dataset.getRecord(k),
});

function media(sim: SimulatorHandle): RecordSource {
  const all = new Map<string, Record<string, unknown>>();
  for (const key of sim.dataset.liveKeys()) for (const m of sim.dataset.getMedia(key) ?? []) all.set(String(m.MediaKey), m);
  return { keys: () => [...all.keys()], record: (k) => all.get(k) };
}

async function runSourceOnce(config: Config, source: string) {
  const client = await temporalClient(config);
  try {
    return await client.workflow.execute<typeof runSource>('runSource', {
      taskQueue: config.temporal.taskQueue,
      workflowId: `run/${source}/sync/${uniqueName('t')}`,
      args: [{ source, process: 'sync' }],
    });
  } finally {
    await client.connection.close();
  }
}

describe('runSource', () => {
  const sims: Record<string, SimulatorHandle> = {};
  let config: Config;

  beforeAll(async () => {
    sims.alpha = await startSimulator({ records: 300, seed: 21, port: 0, mediaPerRecord: 2 });
    sims.beta = await startSimulator({ records: 200, seed: 22, port: 0, mediaPerRecord: 2 });
    const server = inject('mysqlServerUrl');
    config = configFor(sims, { one: withDatabase(server, uniqueName('t_one')), two: withDatabase(server, uniqueName('t_two')) });
  });

  afterAll(async () => {
    await Promise.all(Object.values(sims).map((s) => s.close()));
    if (config) await dropDatabases(config);
  });

  it('replicates two sources × two resources into two destinations exactly, in config order', async () => {
    await withWorker(config, async () => {
      for (const source of ['alpha', 'beta']) {
        const result = await runSourceOnce(config, source);
        expect(result.outcomes.map((o) => [o.resource, o.outcome])).toEqual([
          ['Property', 'succeeded'],
          ['Media', 'succeeded'],
        ]);
      }
    });
    for (const [name, sim] of Object.entries(sims)) {
      await expectDestinationsMatch(config, name, 'Property', properties(sim));
      await expectDestinationsMatch(config, name, 'Media', media(sim));
    }
    const perDestination = await query<{ destination: string; upserted: number; rows_after: number }>(
      config.control.url,
      'SELECT d.destination, d.upserted, d.rows_after FROM resync_run_destinations d JOIN resync_runs r USING (run_id) WHERE r.source = ? AND r.resource = ? ORDER BY d.destination',
      ['alpha', 'Property'],
    );
    expect(perDestination).toEqual([
      { destination: 'one', upserted: 300, rows_after: 300 },
      { destination: 'two', upserted: 300, rows_after: 300 },
    ]);
    const sourceRuns = await query(
      config.control.url,
      "SELECT source, outcome FROM resync_source_runs WHERE process = 'sync' ORDER BY source",
    );
    expect(sourceRuns).toEqual([
      { source: 'alpha', outcome: 'succeeded' },
      { source: 'beta', outcome: 'succeeded' },
    ]);
  });

  it('fails the run with the failing destination named, after trying every resource', async () => {
    const server = inject('mysqlServerUrl');
    const broken = configFor(
      { alpha: sims.alpha! },
      { good: withDatabase(server, uniqueName('t_good')), broken: 'mysql://root@127.0.0.1:1/nowhere' },
    );
    try {
      await withWorker(broken, async () => {
        const err = await runSourceOnce(broken, 'alpha').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowFailedError);
        const message = String((err as WorkflowFailedError).cause?.message);
        expect(message).toContain('Property');
        expect(message).toContain('Media');
        expect(message).toContain('destination broken');
      });
    } finally {
      await dropDatabases({ ...broken, destinations: { good: broken.destinations.good! } } as Config);
    }
  });
});
