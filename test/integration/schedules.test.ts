/**
 * Schedules from the config against a real Temporal dev server: idempotent apply that keeps a
 * pause, pausing what left the config, no overlap between scheduled and manual runs, and the
 * failure policy (pause + alert after N failures, recovery alert after the next success).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Client, ScheduleDescription, WorkflowExecutionInfo } from '@temporalio/client';
import { parseConfig, withDatabase, type Config, type ConfigInput } from '../../config';
import { fromRoot } from '../../scripts/lib/paths';
import { findTemporalCli } from '../../scripts/lib/temporal-cli';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { FAILURE_PAUSE_PREFIX } from '../../activities/alerts/policy';
import { resourceWorkflowId, scheduleId } from '../../workflows/names';
import type { runSource } from '../../workflows/run-source';
import { applySchedules, pauseSchedules, triggerSchedule } from '../../worker/schedules';
import { startSync } from '../../worker/commands/sync';
import { dropDatabases, temporalClient, uniqueName, withWorker } from '../support/stack';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const run = promisify(execFile);
/** Never due while a test runs: every run here is started by a trigger. */
const NEVER_DUE = '0 0 1 1 *';

interface Setup {
  source: string;
  url: string;
  taskQueue: string;
  control: string;
  destination: string;
  schedules: NonNullable<ConfigInput['sources'][string]['schedules']>;
  webhook?: string;
  pageSize?: number;
}

function configOf(s: Setup): Config {
  return parseConfig({
    sources: { [s.source]: { url: s.url, resources: [{ name: 'Property', pageSize: s.pageSize ?? 100 }], schedules: s.schedules } },
    destinations: { main: { type: 'mysql', url: s.destination } },
    control: { url: s.control },
    temporal: { address: inject('temporalAddress'), taskQueue: s.taskQueue },
    logging: { level: 'warn', dir: fromRoot('logs', 'test') },
    ...(s.webhook ? { alerts: { webhooks: [{ url: s.webhook, format: 'json' }] } } : {}),
  });
}

function setup(url: string, extra: Partial<Setup> = {}): Setup {
  const server = inject('mysqlServerUrl');
  return {
    source: uniqueName('s'),
    url,
    taskQueue: uniqueName('tq'),
    control: withDatabase(server, uniqueName('t_control')),
    destination: withDatabase(server, uniqueName('t_dest')),
    schedules: { sync: NEVER_DUE, purge: '30 3 * * *' },
    ...extra,
  };
}

/** What apply sets, as the server reports it. */
/** What a schedule is, with search attributes in a stable order (the server does not keep their order). */
function shape(d: ScheduleDescription) {
  const sorted = (all: { getAll(): { key: { name: string }; value: unknown }[] } | undefined) =>
    (all?.getAll() ?? []).slice().sort((a, b) => a.key.name.localeCompare(b.key.name));
  const { typedSearchAttributes: actionAttributes, ...action } = d.action as typeof d.action & {
    typedSearchAttributes?: { getAll(): { key: { name: string }; value: unknown }[] };
  };
  return {
    spec: d.spec,
    action: { ...action, attributes: sorted(actionAttributes) },
    policies: d.policies,
    memo: d.memo,
    attributes: sorted(d.typedSearchAttributes),
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until the schedule listing (eventually consistent) shows these IDs. */
async function listed(client: Client, ids: string[]): Promise<void> {
  await until(`schedules ${ids.join(', ')} in the listing`, async () => {
    const seen = new Set<string>();
    for await (const s of client.schedule.list()) seen.add(s.scheduleId);
    return ids.every((id) => seen.has(id)) ? true : undefined;
  });
}

async function executions(client: Client, workflowId: string): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const e of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) found.push(e);
  return found;
}

describe('schedules', () => {
  let sim: SimulatorHandle;
  let client: Client;
  const configs: Config[] = [];
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    sim = await startSimulator({ records: 150, seed: 41, port: 0, latencyMs: 150 });
    receiver = await startWebhookReceiver();
    client = await temporalClient(configOf(setup(sim.url)));
  });

  afterAll(async () => {
    await client?.connection.close();
    await sim?.close();
    await receiver?.close();
    for (const c of configs) await dropDatabases(c);
  });

  function track(config: Config): Config {
    configs.push(config);
    return config;
  }

  it('applying twice yields the same schedules and keeps an operator’s pause', async () => {
    const s = setup(sim.url);
    const config = track(configOf(s));
    const syncId = scheduleId(s.source, 'sync');
    const purgeId = scheduleId(s.source, 'purge');

    const first = await applySchedules(client, config);
    expect(first.map((r) => [r.scheduleId, r.action])).toEqual([
      [syncId, 'created'],
      [purgeId, 'created'],
    ]);
    const created = shape(await client.schedule.getHandle(syncId).describe());
    expect(created.action).toMatchObject({
      workflowType: 'runSource',
      workflowId: `run/${s.source}/sync`,
      taskQueue: s.taskQueue,
      args: [{ source: s.source, process: 'sync' }],
    });
    expect(created.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 600_000 });
    expect(created.spec.timezone).toBe('UTC');
    expect(created.memo).toEqual({ resync: { managed: true, source: s.source, process: 'sync', taskQueue: s.taskQueue } });
    expect(created.attributes.map((a) => [a.key.name, a.value]).sort()).toEqual([
      ['ResyncProcess', 'sync'],
      ['ResyncSource', s.source],
    ]);

    await pauseSchedules(client, s.source, { process: 'sync', note: 'operator: MLS maintenance until Monday' });
    const second = await applySchedules(client, config);
    expect(second.map((r) => [r.scheduleId, r.action, r.paused])).toEqual([
      [syncId, 'unchanged', true],
      [purgeId, 'unchanged', false],
    ]);
    const again = await client.schedule.getHandle(syncId).describe();
    expect(shape(again)).toEqual(created);
    expect(again.state).toMatchObject({ paused: true, note: 'operator: MLS maintenance until Monday' });

    // A real change is applied, and the pause still stays.
    const moved = track(configOf({ ...s, schedules: { ...s.schedules, timeZone: 'America/New_York' } }));
    const third = await applySchedules(client, moved);
    expect(third.map((r) => [r.scheduleId, r.action, r.paused])).toEqual([
      [syncId, 'updated', true],
      [purgeId, 'updated', false],
    ]);
    const updated = await client.schedule.getHandle(syncId).describe();
    expect(updated.spec.timezone).toBe('America/New_York');
    expect(updated.state).toMatchObject({ paused: true, note: 'operator: MLS maintenance until Monday' });
  });

  it('pauses, with a note, the managed schedules that left the config, and only this deployment’s', async () => {
    const s = setup(sim.url);
    const config = track(configOf(s));
    const other = setup(sim.url);
    const otherConfig = track(configOf(other));
    await applySchedules(client, config);
    await applySchedules(client, otherConfig);
    const purgeId = scheduleId(s.source, 'purge');
    await listed(client, [purgeId, scheduleId(other.source, 'sync')]);

    // The CLI sees them too.
    const cli = await findTemporalCli();
    expect(cli, 'the Temporal CLI (npm run setup installs it)').toBeDefined();
    const { stdout } = await run(cli!.path, ['schedule', 'list', '--address', inject('temporalAddress'), '-o', 'json']);
    const ids = (JSON.parse(stdout) as { scheduleId: string }[]).map((e) => e.scheduleId);
    expect(ids).toEqual(expect.arrayContaining([scheduleId(s.source, 'sync'), purgeId]));

    const reports = await applySchedules(client, configOf({ ...s, schedules: { sync: NEVER_DUE } }));
    expect(reports.map((r) => [r.scheduleId, r.action])).toEqual([
      [scheduleId(s.source, 'sync'), 'unchanged'],
      [purgeId, 'paused (not in config)'],
    ]);
    const purge = await client.schedule.getHandle(purgeId).describe();
    expect(purge.state.paused).toBe(true);
    expect(purge.state.note).toContain(`sources.${s.source}.schedules.purge is no longer in the config`);
    // Another task queue's schedules are not this config's to pause.
    expect((await client.schedule.getHandle(scheduleId(other.source, 'sync')).describe()).state.paused).toBe(false);
    // Applying again leaves it paused and says so.
    const again = await applySchedules(client, configOf({ ...s, schedules: { sync: NEVER_DUE } }));
    expect(again.find((r) => r.scheduleId === purgeId)?.action).toBe('left paused (not in config)');
  });

  it('never runs a scheduled and a manual sync of one resource at the same time', async () => {
    const s = setup(sim.url, { pageSize: 10 });
    const config = track(configOf(s));
    await applySchedules(client, config);
    const resourceId = resourceWorkflowId('sync', s.source, 'Property');
    await withWorker(config, async () => {
      // A manual sync of a slow MLS (15 pages of 150 ms) is going on…
      const manual = await startSync(client, config, s.source, 'Property');
      await until('the manual sync to run', async () => ((await manual.describe()).status.name === 'RUNNING' ? true : undefined));
      // …so the scheduled run skips the resource instead of starting it a second time.
      const triggered = await triggerSchedule(client, s.source, 'sync');
      expect(triggered.outcome).toBe('started');
      if (triggered.outcome !== 'started') return;
      expect(triggered.workflowId.startsWith(`run/${s.source}/sync`)).toBe(true);
      const scheduled = await client.workflow.getHandle<typeof runSource>(triggered.workflowId, triggered.runId).result();
      expect(scheduled.outcomes).toEqual([expect.objectContaining({ resource: 'Property', outcome: 'skipped' })]);
      expect((await manual.describe()).status.name).toBe('RUNNING');
      await manual.result();

      // A scheduled run that is still going makes the next trigger a skip (overlap SKIP).
      sim.dataset.touch(60);
      const long = await triggerSchedule(client, s.source, 'sync');
      expect(long.outcome).toBe('started');
      const skipped = await triggerSchedule(client, s.source, 'sync');
      expect(skipped).toMatchObject({ outcome: 'skipped' });
      if (long.outcome === 'started') await client.workflow.getHandle(long.workflowId, long.runId).result();
    });
    // The resource's workflow ran twice (manual, then scheduled), never both at once.
    const runs = await until('both resource runs in visibility', async () => {
      const found = await executions(client, resourceId);
      return found.length === 2 && found.every((e) => e.closeTime) ? found : undefined;
    });
    const [a, b] = runs.sort((x, y) => x.startTime.getTime() - y.startTime.getTime());
    expect(b!.startTime.getTime()).toBeGreaterThanOrEqual(a!.closeTime!.getTime());
  });

  it('pauses the schedule and alerts after N failed runs, and sends a recovery after the next success', async () => {
    receiver.bodies.length = 0;
    // A source at a port nobody listens on: every run fails (after its retries).
    const broken = setup('http://127.0.0.1:1/odata', { schedules: { sync: NEVER_DUE, pauseAfterFailures: 2 }, webhook: receiver.url });
    const brokenConfig = track(configOf(broken));
    const id = scheduleId(broken.source, 'sync');
    await applySchedules(client, brokenConfig);

    await withWorker(brokenConfig, async () => {
      for (let i = 1; i <= 2; i++) {
        const t = await triggerSchedule(client, broken.source, 'sync');
        if (t.outcome !== 'started') throw new Error(`trigger ${i} was skipped`);
        await expect(client.workflow.getHandle(t.workflowId, t.runId).result()).rejects.toThrow();
        if (i === 1) {
          expect((await client.schedule.getHandle(id).describe()).state.paused, 'paused after one failure').toBe(false);
          expect(receiver.bodies, 'no alert after one failure').toEqual([]);
        }
      }
    });
    const paused = await client.schedule.getHandle(id).describe();
    expect(paused.state.paused).toBe(true);
    expect(paused.state.note).toMatch(new RegExp(`^${FAILURE_PAUSE_PREFIX} 2 failed sync runs in a row`));
    expect(paused.state.note).toContain('Property');
    expect(receiver.bodies).toEqual([
      expect.objectContaining({
        type: 'resync.failing',
        source: broken.source,
        process: 'sync',
        consecutiveFailures: 2,
        schedule: 'paused',
      }),
    ]);

    // The MLS is back (same source, now pointing at the simulator): a triggered run succeeds.
    const fixedConfig = track(configOf({ ...broken, url: sim.url }));
    await withWorker(fixedConfig, async () => {
      const t = await triggerSchedule(client, broken.source, 'sync');
      if (t.outcome !== 'started') throw new Error('trigger was skipped');
      await client.workflow.getHandle(t.workflowId, t.runId).result();
    });
    expect(receiver.bodies).toHaveLength(2);
    expect(receiver.bodies[1]).toMatchObject({
      type: 'resync.recovered',
      source: broken.source,
      consecutiveFailures: 2,
      schedule: 'resumed',
    });
    expect((await client.schedule.getHandle(id).describe()).state.paused).toBe(false);
  });
});
