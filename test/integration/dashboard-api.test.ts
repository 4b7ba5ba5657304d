/**
 * The dashboard's JSON API against a real control DB seeded with 20 sources × 500 runs and a real
 * Temporal dev server (schedules applied from the config). Requests go through Fastify's inject:
 * everything but the socket is the production path.
 */
import { request as httpRequest } from 'node:http';
import { drizzle } from 'drizzle-orm/mysql2';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'mysql2/promise';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Client } from '@temporalio/client';
import { openPool } from '../../activities/destinations/mysql/pool';
import { parseConfig, withDatabase, type Config } from '../../config';
import { buildApp } from '../../dashboard/server/app';
import type {
  ChartResponse,
  ControlResponse,
  CountsResponse,
  ErrorResponse,
  MetaResponse,
  OverviewResponse,
  RunDetail,
  RunningResponse,
  RunsPage,
  SchedulesResponse,
  SourceResponse,
  TimelineResponse,
} from '../../dashboard/server/api-types';
import { DashboardAddresses, InvalidAllowedHost, parseAllowedHosts } from '../../dashboard/server/addresses';
import { DashboardTokenMissing, requiredToken } from '../../dashboard/server/auth';
import { createContext, type DashboardContext } from '../../dashboard/server/context';
import { cronTimes } from '../../dashboard/server/cron-times';
import { HistoryReader } from '../../dashboard/server/history';
import { startDashboard, WEB_ROOT } from '../../dashboard/server/start';
import { findFreePort } from '../../scripts/lib/net';
import { fromRoot } from '../../scripts/lib/paths';
import { applySchedules } from '../../worker/schedules';
import { scheduleId } from '../../workflows/names';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { collectStatus } from '../../worker/inspect/status';
import { formatStatus } from '../../worker/inspect/status-format';
import { dropDatabase, seedHistory } from '../support/dashboard';
import { runKeyProcess } from '../support/key-runs';
import { dropDatabases, query, runSync, temporalClient, testConfigInput, uniqueName, withWorker } from '../support/stack';
import { inject } from 'vitest';

const SOURCES = Array.from({ length: 20 }, (_, i) => `src${String(i + 1).padStart(2, '0')}`);
const SECRETS = ['hunter2', 'SEEDSECRET', 'tok-SECRET-bearer', 'client-SECRET-oauth', 'replica-pass'];
/** What the browser sends to a dashboard served on 127.0.0.1:4000 (the default). */
const HOST = '127.0.0.1:4000';
const SELF = { host: HOST, origin: `http://${HOST}` };
const ADDRESSES = () => new DashboardAddresses({ bindHost: '127.0.0.1', port: 4000 });

describe('dashboard API', () => {
  let config: Config;
  let client: Client;
  let ctx: DashboardContext;
  let app: FastifyInstance;
  /** Every body the API returned, checked for secrets at the end. */
  const bodies: string[] = [];

  async function get<T>(url: string, status = 200): Promise<T> {
    const res = await app.inject({ method: 'GET', url, headers: { host: HOST } });
    bodies.push(res.body);
    expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
    return res.json<T>();
  }

  async function post<T>(url: string, body: unknown, status = 200, headers: Record<string, string> = {}): Promise<T> {
    const res = await app.inject({
      method: 'POST',
      url,
      payload: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...SELF, ...headers },
    });
    bodies.push(res.body);
    expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
    return res.json<T>();
  }

  beforeAll(async () => {
    const server = inject('mysqlServerUrl');
    const closedPort = await findFreePort();
    const mlsUrl = `http://127.0.0.1:${closedPort}/odata`;
    const resources = ['Property', 'Member', 'Office', 'OpenHouse'].map((name) => ({ name }));
    // Schedules fire only in the hour twelve hours from now: never while the test runs (nothing may
    // start behind its back), yet inside the 24-hour timeline.
    const hour = (new Date().getUTCHours() + 12) % 24;
    const replica = new URL(withDatabase(server, uniqueName('t_dash_replica')));
    replica.username = 'root';
    replica.password = 'replica-pass';
    config = parseConfig({
      sources: Object.fromEntries(
        SOURCES.map((name, i) => [
          name,
          {
            url: mlsUrl,
            destinations: ['main', 'replica'],
            resources,
            requestTimeoutMs: 2000,
            ...(i === 0
              ? {
                  auth: { type: 'bearer', token: 'tok-SECRET-bearer' },
                  schedules: { sync: `*/15 ${hour} * * *`, purge: `30 ${hour} * * *` },
                }
              : {}),
            ...(i === 1
              ? {
                  auth: {
                    type: 'oauth2',
                    tokenUrl: `http://127.0.0.1:${closedPort}/token`,
                    clientId: 'c',
                    clientSecret: 'client-SECRET-oauth',
                  },
                  schedules: { sync: `*/15 ${hour} * * *` },
                }
              : {}),
            ...(i === 2 ? { schedules: { reconcile: '0 4 1 1 *', timeZone: 'America/New_York' } } : {}),
          },
        ]),
      ),
      destinations: {
        main: { type: 'mysql', url: withDatabase(server, uniqueName('t_dash_main')) },
        replica: { type: 'mysql', url: replica.toString() },
      },
      control: { url: withDatabase(server, uniqueName('t_dash_control')) },
      temporal: { address: inject('temporalAddress'), taskQueue: uniqueName('tq_dash') },
      logging: { level: 'warn', dir: fromRoot('logs', 'test') },
    });
    await seedHistory(config.control.url, { sources: SOURCES, runsPerSource: 500 });
    client = await temporalClient(config);
    await applySchedules(client, config);
    ctx = await createContext({ config, logger: pino({ level: 'silent' }), tokenRequired: false, client, countsFreshMs: 60_000 });
    app = await buildApp(ctx, { webRoot: WEB_ROOT, token: null, addresses: ADDRESSES() });
  });

  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    if (client) {
      for (const id of [
        scheduleId('src01', 'sync'),
        scheduleId('src01', 'purge'),
        scheduleId('src02', 'sync'),
        scheduleId('src03', 'reconcile'),
      ]) {
        await client.schedule
          .getHandle(id)
          .delete()
          .catch(() => undefined);
      }
      await client.connection.close();
    }
    if (config) for (const url of [config.control.url, config.destinations.main!.url]) await dropDatabase(url).catch(() => undefined);
  });

  it('describes every source without its URL path, credentials or auth', async () => {
    const meta = await get<MetaResponse>('/api/meta');
    expect(meta.sources).toHaveLength(20);
    expect(meta.sources[0]).toEqual(
      expect.objectContaining({
        name: 'src01',
        platform: 'generic',
        resources: ['Property', 'Member', 'Office', 'OpenHouse'],
        scheduled: ['sync', 'purge'],
      }),
    );
    expect(meta.sources[0]!.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(meta.temporal.taskQueue).toBe(config.temporal.taskQueue);
    expect(JSON.stringify(meta)).not.toMatch(/odata|auth|bearer|secret/i);
  });

  it('builds the overview of 20 sources from one history query and one Temporal listing of each kind', async () => {
    ctx.invalidate();
    const service = client.workflowService;
    const calls = {
      listWorkflows: vi.spyOn(service, 'listWorkflowExecutions'),
      listSchedules: vi.spyOn(service, 'listSchedules'),
      describeWorkflow: vi.spyOn(service, 'describeWorkflowExecution'),
      describeSchedule: vi.spyOn(service, 'describeSchedule'),
      query: vi.spyOn(service, 'queryWorkflow'),
    };
    try {
      const overview = await get<OverviewResponse>('/api/overview');
      expect(overview.cards.map((c) => c.source)).toEqual(SOURCES);
      expect(calls.listWorkflows).toHaveBeenCalledTimes(1);
      expect(calls.listSchedules).toHaveBeenCalledTimes(1);
      expect(calls.describeWorkflow).not.toHaveBeenCalled();
      expect(calls.describeSchedule).not.toHaveBeenCalled();
      expect(calls.query).not.toHaveBeenCalled();
      const card = overview.cards[0]!;
      const sync = card.processes.find((p) => p.process === 'sync')!;
      // The newest seeded sync of OpenHouse failed: the process reads as failed, naming it.
      expect(sync.last).toEqual(expect.objectContaining({ outcome: 'failed', resources: 4, failedResources: ['OpenHouse'] }));
      expect(sync.nextRun).not.toBeNull();
      expect(sync.paused).toBe(false);
      expect(sync.last!.temporalUrl).toContain(`/namespaces/default/workflows/${encodeURIComponent('sync/src01/')}`);
      expect(card.processes.map((p) => p.process)).toEqual(['sync', 'purge', 'reconcile']);
      expect(overview.cards[1]!.processes[0]!.last!.outcome).toBe('succeeded');
      expect(card.counts.status).toBe('checking');
    } finally {
      for (const spy of Object.values(calls)) spy.mockRestore();
    }
  });

  it('pages 500 runs of a source newest first, with their destinations, and filters them', async () => {
    const first = await get<RunsPage>('/api/sources/src07/runs?pageSize=25');
    expect(first.total).toBe(500);
    expect(first.runs).toHaveLength(25);
    expect(first.runs[0]!.runId).toBe('seed-src07-00000');
    const starts = first.runs.map((r) => r.startedAt);
    expect([...starts].sort().reverse()).toEqual(starts);
    expect(first.runs[0]!.destinations.map((d) => d.destination)).toEqual(['main', 'replica']);
    expect(first.runs[0]!.temporalUrl).toContain(encodeURIComponent('sync/src07/Property'));

    const last = await get<RunsPage>('/api/sources/src07/runs?pageSize=25&page=20');
    expect(last.runs.at(-1)!.runId).toBe('seed-src07-00499');
    expect((await get<RunsPage>('/api/sources/src07/runs?pageSize=25&page=21')).runs).toEqual([]);

    const failed = await get<RunsPage>('/api/sources/src07/runs?outcome=failed&pageSize=100');
    expect(failed.total).toBe(25);
    expect(failed.runs.every((r) => r.outcome === 'failed' && r.error)).toBe(true);
    // The seeded error quotes a URL with a password and a token; both are masked.
    expect(failed.runs[0]!.error).toContain('https://***@mls.example.com');
    expect(failed.runs[0]!.error).toContain('access_token=***');
    expect((await get<RunsPage>('/api/sources/src07/runs?process=purge&resource=Property')).total).toBe(0);
    expect((await get<RunsPage>('/api/sources/src07/runs?process=purge')).total).toBe(50);
  });

  it('answers every history read through an index (EXPLAIN of the statements actually sent)', async () => {
    const captured: { sql: string; params: unknown[] }[] = [];
    const pool: Pool = await openPool(config.control.url, {}, { createDatabase: false });
    try {
      const db = drizzle(pool, { logger: { logQuery: (sql, params) => captured.push({ sql, params }) } });
      const reader = new HistoryReader(db);
      await reader.runsPage('src03', {}, 3, 25);
      await reader.runsPage('src03', { outcome: 'failed' }, 1, 25);
      await reader.chart('src03', {}, 200);
      await reader.newestRuns();
      await reader.run('seed-src03-00001', 50);
      expect(captured.length).toBeGreaterThanOrEqual(7);
      for (const { sql, params } of captured) {
        const [plan] = (await pool.query(`EXPLAIN ${sql}`, params)) as unknown as [
          { table: string; type: string; key: string | null; rows: number }[],
        ];
        for (const step of plan) {
          if (!/resync_/.test(step.table)) continue;
          // A full scan of 10,000 runs per poll is what the indexes are there to prevent.
          expect(step.type, `${sql}\n${JSON.stringify(plan)}`).not.toBe('ALL');
        }
      }
    } finally {
      await pool.end();
    }
  });

  it('charts the newest runs oldest first, and shows a run with its destinations and rejects', async () => {
    const chart = await get<ChartResponse>('/api/sources/src04/chart?limit=200');
    expect(chart.points).toHaveLength(200);
    expect(chart.points.at(-1)!.runId).toBe('seed-src04-00000');
    expect(chart.points[0]!.startedAt < chart.points.at(-1)!.startedAt).toBe(true);
    expect(chart.points.every((p) => p.durationMs! > 0)).toBe(true);
    const syncOnly = await get<ChartResponse>('/api/sources/src04/chart?limit=50&process=sync');
    expect(syncOnly.points.every((p) => p.process === 'sync')).toBe(true);

    const run = await get<RunDetail>('/api/runs/seed-src01-00001');
    expect(run.destinations).toHaveLength(2);
    expect(run.rejectsTotal).toBe(2);
    expect(run.rejects.map((r) => r.field)).toEqual(['ListPrice', 'CloseDate']);
    await get<ErrorResponse>('/api/runs/no-such-run', 404);
  });

  it('lists schedules with their next runs, typical durations and a timeline that finds overlaps', async () => {
    ctx.invalidate();
    const { schedules } = await get<SchedulesResponse>('/api/schedules');
    expect(schedules.map((s) => s.scheduleId)).toEqual([
      scheduleId('src01', 'sync'),
      scheduleId('src01', 'purge'),
      scheduleId('src02', 'sync'),
      scheduleId('src03', 'reconcile'),
    ]);
    const sync = schedules[0]!;
    expect(sync).toEqual(expect.objectContaining({ exists: true, paused: false, timeZone: 'UTC' }));
    expect(sync.cron).toMatch(/^\*\/15 \d+ \* \* \*$/);
    expect(sync.nextRuns.length).toBeGreaterThanOrEqual(3);
    // Seeded runSource rows take between 40 s and 220 s.
    expect(sync.typicalDurationMs).toBeGreaterThan(30_000);
    expect(sync.temporalUrl).toContain('/schedules/resync%3Asrc01%3Async');

    // The timeline expands the cron itself; its times agree with the ones Temporal reports.
    const reconcile = schedules[3]!;
    const expanded = cronTimes(
      reconcile.cron!,
      reconcile.timeZone!,
      new Date(Date.now() - 1000),
      new Date(Date.now() + 800 * 86_400_000),
      2,
    );
    expect(expanded.map((d) => d.toISOString())).toEqual(reconcile.nextRuns.slice(0, 2));
    expect(
      cronTimes(sync.cron!, 'UTC', new Date(Date.now() - 1000), new Date(Date.now() + 2 * 86_400_000), 5).map((d) => d.toISOString()),
    ).toEqual(sync.nextRuns.slice(0, 5));

    const timeline = await get<TimelineResponse>('/api/schedules/timeline?hours=24');
    expect(timeline.bars.filter((b) => b.scheduleId === scheduleId('src01', 'sync'))).toHaveLength(4);
    // src01 and src02 sync at the same quarter hours: different MLSs, a harmless coincidence, not listed.
    expect(timeline.overlaps.filter((o) => [o.a, o.b].includes(scheduleId('src02', 'sync')))).toEqual([]);
    expect(timeline.bars.find((b) => b.scheduleId === scheduleId('src02', 'sync'))!.overlaps).toEqual([]);
    // src01's purge at half past runs into its own sync at half past: that one is.
    expect(timeline.overlaps).toContainEqual(
      expect.objectContaining({
        kind: 'same-source',
        reason: "both run at once against src01's MLS: they share its rate limits",
      }),
    );
    expect(timeline.overlaps.every((o) => o.kind === 'same-source' && [o.a, o.b].every((id) => id.startsWith('resync:src01:')))).toBe(true);
  });

  it('pauses and resumes a schedule, and says which one is missing', async () => {
    const paused = await post<{ ok: boolean; paused: boolean }>('/api/sources/src02/schedules/sync/pause', { note: 'maintenance' });
    expect(paused).toEqual(expect.objectContaining({ ok: true, paused: true }));
    const source = await get<SourceResponse>('/api/sources/src02');
    expect(source.schedules.find((s) => s.process === 'sync')).toEqual(expect.objectContaining({ paused: true, note: 'maintenance' }));
    // Temporal still lists the times a paused schedule would fire; it will fire at none of them.
    expect(source.schedules.find((s) => s.process === 'sync')!.nextRuns).toEqual([]);
    await post('/api/sources/src02/schedules/sync/resume', {});
    const resumed = (await get<SourceResponse>('/api/sources/src02')).schedules[0]!;
    expect(resumed.paused).toBe(false);
    expect(resumed.nextRuns.length).toBeGreaterThan(0);
    const missing = await post<ErrorResponse>('/api/sources/src05/schedules/purge/pause', {}, 404);
    expect(missing.error).toMatch(/no schedule resync:src05:purge/);
  });

  it('runs a source without a schedule, refuses a second run while it goes, and shows it as running', async () => {
    const started = await post<{ ok: boolean; workflowId: string; temporalUrl: string }>('/api/sources/src04/run', { process: 'sync' });
    expect(started).toEqual(expect.objectContaining({ ok: true, workflowId: 'run/src04/sync-manual' }));
    expect(started.temporalUrl).toContain(encodeURIComponent('run/src04/sync-manual'));
    try {
      const again = await post<{ ok: boolean; message: string }>('/api/sources/src04/run', { process: 'sync' });
      expect(again.ok).toBe(false);
      expect(again.message).toMatch(/still running/);
      ctx.invalidate();
      // No worker serves this task queue: the listing shows it, and its query gives up in time.
      const t0 = Date.now();
      const running = await get<RunningResponse>('/api/running');
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(running.workflows).toEqual([
        expect.objectContaining({
          workflowId: 'run/src04/sync-manual',
          workflowType: 'runSource',
          source: 'src04',
          process: 'sync',
          unanswered: true,
        }),
      ]);
      const source = await get<SourceResponse>('/api/sources/src04');
      expect(source.running.map((w) => w.workflowId)).toEqual(['run/src04/sync-manual']);
    } finally {
      await client.workflow.getHandle('run/src04/sync-manual').terminate('test over');
    }
    const unknown = await post<ErrorResponse>('/api/sources/src04/run', { process: 'sync', resources: ['Nope'] }, 400);
    expect(unknown.error).toMatch(/no resource Nope/);
  });

  it('reports Run now on a busy source as skipped and starts nothing, as `schedules trigger` does', async () => {
    // A sync of one resource started elsewhere (the CLI, another dashboard): a run of the whole
    // source now would skip that resource and report "started".
    const busy = await client.workflow.start('syncResource', {
      taskQueue: config.temporal.taskQueue,
      workflowId: 'sync/src01/Property',
      args: [{ source: 'src01', resource: 'Property' }],
    });
    try {
      const schedule = client.schedule.getHandle(scheduleId('src01', 'sync'));
      const before = (await schedule.describe()).info.numActionsTaken;
      const res = await post<ControlResponse>('/api/sources/src01/run', { process: 'sync' });
      expect(res).toEqual(expect.objectContaining({ ok: false, outcome: 'skipped', workflowId: 'sync/src01/Property' }));
      expect(res.message).toMatch(/^skipped: sync of src01 is still running \(sync\/src01\/Property\); nothing was started$/);
      expect((await schedule.describe()).info.numActionsTaken).toBe(before);
      // Narrowed to the resources that are free, it does start.
      const other = await post<ControlResponse>('/api/sources/src01/run', { process: 'sync', resources: ['Member'] });
      expect(other).toEqual(expect.objectContaining({ ok: true, outcome: 'started', workflowId: 'run/src01/sync-manual' }));
      await client.workflow.getHandle('run/src01/sync-manual').terminate('test over');
    } finally {
      await busy.terminate('test over');
    }
  });

  it('rejects bad input with a 400 that names the field', async () => {
    expect((await get<ErrorResponse>('/api/sources/src01/runs?page=0', 400)).error).toBe('invalid query: page: must be at least 1');
    expect((await get<ErrorResponse>('/api/sources/src01/runs?pageSize=5000', 400)).error).toBe(
      'invalid query: pageSize: must be at most 100',
    );
    expect((await get<ErrorResponse>('/api/sources/src01/runs?page=abc', 400)).error).toMatch(/page: must be a whole number/);
    expect((await get<ErrorResponse>('/api/sources/src01/runs?process=delete', 400)).error).toBe(
      'invalid query: process: must be sync, purge or reconcile',
    );
    expect((await get<ErrorResponse>('/api/sources/src01/runs?pge=2', 400)).error).toBe('invalid query: unknown query parameter pge');
    expect((await get<ErrorResponse>('/api/sources/bad%20name/runs', 400)).error).toMatch(/^invalid path: source:/);
    expect((await get<ErrorResponse>('/api/sources/nope', 404)).error).toMatch(/no source "nope"/);
    expect((await get<ErrorResponse>('/api/schedules/timeline?hours=9999', 400)).error).toMatch(/hours: must be at most/);
    expect((await get<ErrorResponse>('/api/record?source=src01&resource=Property', 400)).error).toMatch(/key/);
    expect((await post<ErrorResponse>('/api/sources/src01/run', { process: 'drop' }, 400)).error).toMatch(/^invalid body: process/);
    expect((await post<ErrorResponse>('/api/sources/src01/run', { process: 'sync', extra: 1 }, 400)).error).toMatch(
      /unknown body parameter extra/,
    );
    const form = await app.inject({
      method: 'POST',
      url: '/api/sources/src01/run',
      payload: 'process=sync',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...SELF },
    });
    expect(form.statusCode).toBe(415);
    await get<ErrorResponse>('/api/nothing-here', 404);
  });

  it('counts the MLS and each destination, reporting what cannot be reached without its secrets', async () => {
    const counts = await get<CountsResponse>('/api/sources/src01/counts?refresh=1');
    expect(counts.status).toBe('unknown');
    const property = counts.resources.find((r) => r.resource === 'Property')!;
    expect(property.mls.error).toMatch(/ECONNREFUSED/);
    const main = property.destinations.find((d) => d.name === 'main')!;
    // Nothing synced: the table does not exist, which is zero rows rather than an error.
    expect(main.count).toBe(0);
    expect(main.error).toBeUndefined();
    expect(property.destinations.find((d) => d.name === 'replica')!.error).toMatch(/Access denied/);
    const lookup = await get<ErrorResponse>('/api/record?source=src01&resource=Property&key=X1', 502);
    expect(lookup.error).toMatch(/record lookup failed/);
    expect((await get<ErrorResponse>('/api/record?source=src01&resource=Nope&key=X1', 400)).error).toMatch(/no resource "Nope"/);
  });

  describe('DNS rebinding and cross-site changes', () => {
    const send = (target: FastifyInstance, url: string, headers: Record<string, string>, body: unknown = { process: 'purge' }) =>
      target.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
    const notStarted = async (workflowId: string) => {
      await expect(client.workflow.getHandle(workflowId).describe()).rejects.toThrow(/not found/i);
    };

    it('refuses a purge sent to a rebound name (Host evil.example:4000 with a matching Origin) and starts nothing', async () => {
      const purgeSchedule = client.schedule.getHandle(scheduleId('src01', 'purge'));
      const before = (await purgeSchedule.describe()).info.numActionsTaken;
      const attack = { host: 'evil.example:4000', origin: 'http://evil.example:4000' };
      for (const source of ['src01', 'src05']) {
        const res = await send(app, `/api/sources/${source}/run`, attack);
        bodies.push(res.body);
        expect(res.statusCode, res.body).toBe(421);
        expect(res.json<ErrorResponse>().error).toMatch(/does not answer to host "evil\.example:4000"/);
        // The refusal names nothing the dashboard serves: a rebinding page can read it.
        expect(res.body).not.toMatch(/127\.0\.0\.1|localhost/);
      }
      expect((await purgeSchedule.describe()).info.numActionsTaken).toBe(before);
      await notStarted('run/src05/purge-manual');
      // Rebinding reads as well: the history and the web app are refused to that name too.
      for (const url of ['/api/meta', '/api/sources/src01/runs', '/']) {
        const res = await app.inject({ method: 'GET', url, headers: { host: 'evil.example:4000' } });
        expect(res.statusCode, url).toBe(421);
        expect(res.headers['content-type']).toMatch(/application\/json/);
      }
      // The right name on another port is not this dashboard either.
      expect((await app.inject({ method: 'GET', url: '/api/meta', headers: { host: '127.0.0.1:4001' } })).statusCode).toBe(421);
    });

    it("refuses a change from another site's page even with the dashboard's Host", async () => {
      const foreign: Record<string, string>[] = [
        { origin: 'http://evil.example' },
        { origin: 'http://127.0.0.1:5000' },
        { origin: 'null' },
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site' },
        { referer: 'http://evil.example/page' },
      ];
      for (const headers of foreign) {
        const res = await send(app, '/api/sources/src05/run', { host: HOST, ...headers });
        bodies.push(res.body);
        expect(res.statusCode, JSON.stringify(headers)).toBe(403);
        expect(res.json<ErrorResponse>().error).toMatch(/(changes are accepted only from|the API answers only) the dashboard's own pages/);
      }
      await notStarted('run/src05/purge-manual');
      // Reads that cost MLS requests (a count refresh, a record lookup) are refused to other sites too.
      for (const url of ['/api/sources/src01/counts?refresh=1', '/api/record?source=src01&resource=Property&key=X1']) {
        for (const site of ['cross-site', 'same-site']) {
          const res = await app.inject({ method: 'GET', url, headers: { host: HOST, 'sec-fetch-site': site } });
          expect(res.statusCode, `${url} ${site}`).toBe(403);
          expect(res.json<ErrorResponse>().error).toMatch(/answers only the dashboard's own pages/);
        }
      }
      expect(
        (await app.inject({ method: 'GET', url: '/api/meta', headers: { host: HOST, 'sec-fetch-site': 'same-origin' } })).statusCode,
      ).toBe(200);
    });

    it("lets the dashboard's own page and a script make changes", async () => {
      // Each reaches the handler, which finds no purge schedule for src05: 404, not a refusal.
      const own: Record<string, string>[] = [
        { host: HOST, origin: `http://${HOST}`, 'sec-fetch-site': 'same-origin', referer: `http://${HOST}/sources/src05` },
        { host: 'localhost:4000', origin: 'http://localhost:4000' },
        { host: '[::1]:4000', origin: 'http://127.0.0.1:4000' },
        { host: HOST },
      ];
      for (const headers of own) {
        const res = await send(app, '/api/sources/src05/schedules/purge/pause', headers, {});
        expect(res.statusCode, `${JSON.stringify(headers)}: ${res.body}`).toBe(404);
      }
    });

    it('answers to the names of the allow-list, validated, from the flag and the environment', async () => {
      expect(parseAllowedHosts('dash.example.com, tunnel.example:8443 [::1]:9000', 'env')).toEqual([
        { host: 'dash.example.com', port: null },
        { host: 'tunnel.example', port: 8443 },
        { host: '[::1]', port: 9000 },
      ]);
      for (const bad of ['https://dash.example.com', '*.example.com', 'dash.example.com/x', 'host:99999', 'a b:c'])
        expect(() => parseAllowedHosts([bad], '--allow-host'), bad).toThrow(InvalidAllowedHost);
      expect(() => parseAllowedHosts(['*'], '--allow-host')).toThrow(/--allow-host: "\*" is not a host name/);

      const proxied = await buildApp(ctx, {
        webRoot: WEB_ROOT,
        token: null,
        addresses: new DashboardAddresses({ bindHost: '127.0.0.1', port: 4000, allowed: parseAllowedHosts('dash.example.com', 'test') }),
      });
      try {
        // Behind a TLS proxy: Host without a port, Origin https.
        const viaProxy = await send(
          proxied,
          '/api/sources/src05/schedules/purge/pause',
          {
            host: 'dash.example.com',
            origin: 'https://dash.example.com',
          },
          {},
        );
        expect(viaProxy.statusCode, viaProxy.body).toBe(404);
        expect((await proxied.inject({ method: 'GET', url: '/api/meta', headers: { host: 'dash.example.com' } })).statusCode).toBe(200);
        expect((await proxied.inject({ method: 'GET', url: '/api/meta', headers: { host: 'other.example.com' } })).statusCode).toBe(421);
      } finally {
        await proxied.close();
      }

      await expect(startDashboard({ config, client, port: 0, allowedHosts: ['https://dash.example.com'] })).rejects.toThrow(
        InvalidAllowedHost,
      );
      process.env.RESYNC_DASHBOARD_ALLOWED_HOSTS = 'env-name.example';
      const running = await startDashboard({
        config,
        client,
        port: 0,
        allowedHosts: ['flag-name.example'],
        logger: pino({ level: 'silent' }),
      }).finally(() => delete process.env.RESYNC_DASHBOARD_ALLOWED_HOSTS);
      try {
        const port = Number(new URL(running.url).port);
        const status = (host: string) =>
          new Promise<number>((resolve, reject) => {
            const req = httpRequest({ host: '127.0.0.1', port, path: '/api/meta', headers: { host } }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            });
            req.on('error', reject);
            req.end();
          });
        expect(await status(`127.0.0.1:${port}`)).toBe(200);
        expect(await status(`localhost:${port}`)).toBe(200);
        expect(await status('flag-name.example')).toBe(200);
        expect(await status('env-name.example:8080')).toBe(200);
        expect(await status(`evil.example:${port}`)).toBe(421);
        expect(await status(`127.0.0.1:${port + 1}`)).toBe(421);
      } finally {
        await running.close();
      }
    });
  });

  it('needs the token for changes when bound beyond loopback, and refuses to start without one', async () => {
    expect(requiredToken('127.0.0.1', undefined)).toBeNull();
    expect(requiredToken('::1', undefined)).toBeNull();
    expect(() => requiredToken('0.0.0.0', undefined)).toThrow(DashboardTokenMissing);
    expect(() => requiredToken('192.168.1.5', 'short')).toThrow(/at least 16 characters/);
    await expect(startDashboard({ config, host: '0.0.0.0', port: 0, token: '' })).rejects.toThrow(DashboardTokenMissing);

    const token = 'a-long-enough-dashboard-token';
    const guarded = await buildApp(ctx, { webRoot: WEB_ROOT, token, addresses: ADDRESSES() });
    try {
      const send = (authorization?: string) =>
        guarded.inject({
          method: 'POST',
          url: '/api/sources/src05/schedules/sync/pause',
          payload: '{}',
          headers: { 'content-type': 'application/json', ...SELF, ...(authorization ? { authorization } : {}) },
        });
      expect((await send()).statusCode).toBe(401);
      expect((await send('Bearer wrong-token-of-some-length')).statusCode).toBe(401);
      // The right token gets through to the handler (which finds no such schedule).
      expect((await send(`Bearer ${token}`)).statusCode).toBe(404);
      expect((await guarded.inject({ method: 'GET', headers: { host: HOST }, url: '/api/meta' })).statusCode).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('keeps showing the history when Temporal is away, and says so', async () => {
    const away = { ...config, temporal: { ...config.temporal, address: `127.0.0.1:${await findFreePort()}` } };
    const awayCtx = await createContext({ config: away, logger: pino({ level: 'silent' }), tokenRequired: false });
    const awayApp = await buildApp(awayCtx, { webRoot: WEB_ROOT, token: null, addresses: ADDRESSES() });
    try {
      const t0 = Date.now();
      const overview = await awayApp.inject({ method: 'GET', headers: { host: HOST }, url: '/api/overview' });
      expect(overview.statusCode).toBe(200);
      expect(Date.now() - t0).toBeLessThan(5000);
      const body = overview.json<OverviewResponse>();
      expect(body.temporalError).toMatch(/^Temporal is not reachable: nothing is listening at 127\.0\.0\.1:\d+$/);
      expect(body.cards[0]!.processes[0]!.last).not.toBeNull();
      expect(
        (await awayApp.inject({ method: 'GET', headers: { host: HOST }, url: '/api/sources/src01' })).json<SourceResponse>().temporalError,
      ).toMatch(/not reachable/);
      expect((await awayApp.inject({ method: 'GET', headers: { host: HOST }, url: '/api/sources/src01/runs' })).statusCode).toBe(200);
      const running = await awayApp.inject({ method: 'GET', headers: { host: HOST }, url: '/api/running' });
      expect(running.statusCode).toBe(503);
    } finally {
      await awayApp.close();
      await awayCtx.close();
    }
  });

  it('serves the web app for page URLs and never a secret in any answer', async () => {
    const page = await app.inject({ method: 'GET', headers: { host: HOST }, url: '/sources/src01' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toMatch(/<div id="root">/);
    const all = bodies.join('\n');
    for (const secret of SECRETS) expect(all).not.toContain(secret);
  });
});

describe('dashboard counts around runs', () => {
  let sim: SimulatorHandle;
  let config: Config;
  let client: Client;
  let ctx: DashboardContext;
  let app: FastifyInstance;

  const counts = async (refresh = false) => {
    const res = await app.inject({ method: 'GET', url: `/api/sources/sim/counts${refresh ? '?refresh=1' : ''}`, headers: { host: HOST } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<CountsResponse>();
  };
  /** What a polling page sees once the recount that a run's end set off has landed. */
  const settled = async (after: number): Promise<CountsResponse> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const c = await counts();
      if (c.status !== 'checking' && c.checkedAt && Date.parse(c.checkedAt) > after) return c;
      if (Date.now() > deadline) throw new Error(`counts never settled: ${JSON.stringify(c)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const property = (c: CountsResponse) => c.resources.find((r) => r.resource === 'Property')!;

  beforeAll(async () => {
    sim = await startSimulator({ records: 200, seed: 5, port: 0, mediaPerRecord: 2 });
    config = parseConfig(testConfigInput({ simulatorUrl: sim.url, expand: [{ name: 'Media' }] }));
    client = await temporalClient(config);
    // Counts are kept a minute here: only a run's end may make them be retaken sooner.
    ctx = await createContext({ config, logger: pino({ level: 'silent' }), tokenRequired: false, client, countsFreshMs: 60_000 });
    app = await buildApp(ctx, { webRoot: WEB_ROOT, token: null, addresses: ADDRESSES() });
    await withWorker(config, () => runSync(config, 'sim'));
  });

  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await client?.connection.close();
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  it('retakes both counts when a sync ends, instead of calling the new rows "too many"', async () => {
    const first = property(await counts(true));
    expect(first.mls.count).toBe(200);
    expect(first.destinations[0]).toEqual(expect.objectContaining({ count: 200, verdict: { state: 'in-step', text: 'in step' } }));
    // Each count is dated on its own.
    expect(Date.parse(first.mls.countedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(first.destinations[0]!.countedAt!)).toBeGreaterThan(Date.now() - 60_000);

    sim.dataset.add(40);
    await withWorker(config, () => runSync(config, 'sim'));
    const ended = Date.now();
    // Taken before the sync ended: not compared (neither "in step" nor a difference), and retaken now. On a
    // fast machine the recount the run's end set off may already have landed; then it must be the new one.
    // The dashboard reads the run history at most once a second: wait until it has seen this run end.
    const deadline = Date.now() + 10_000;
    let right = await counts();
    while (!(Date.parse(property(right).lastRunEndedAt ?? '') > Date.parse(first.mls.countedAt!))) {
      if (Date.now() > deadline) throw new Error(`the dashboard never saw the run end: ${JSON.stringify(right)}`);
      await new Promise((r) => setTimeout(r, 100));
      right = await counts();
    }
    if (right.status === 'checking') {
      expect(property(right).destinations[0]!.verdict).toEqual({
        state: 'not-comparable',
        text: 'recounting: both were counted before the last run ended',
      });
    } else {
      expect(right.status).toBe('match');
      expect(property(right).mls.count).toBe(240);
      expect(Date.parse(property(right).mls.countedAt!)).toBeGreaterThan(Date.parse(property(right).lastRunEndedAt!));
    }
    const fresh = right.status === 'checking' ? await settled(ended) : right;
    expect(fresh.status).toBe('match');
    expect(property(fresh).mls.count).toBe(240);
    expect(property(fresh).destinations[0]).toEqual(
      expect.objectContaining({ count: 240, missing: 0, extra: 0, verdict: { state: 'in-step', text: 'in step' } }),
    );
    expect(Date.parse(property(fresh).mls.countedAt!)).toBeGreaterThan(Date.parse(property(fresh).lastRunEndedAt!));
  });

  it('after a purge shows what the purge left, not the difference it removed', async () => {
    sim.dataset.remove(sim.dataset.liveKeys().slice(0, 10));
    const before = await counts(true);
    expect(before.status).toBe('mismatch');
    expect(property(before).destinations[0]!.verdict).toEqual({ state: 'too-many', difference: 10, text: 'too many 10' });
    const outcome = await withWorker(config, () => runKeyProcess(config, 'purge'));
    expect(outcome.failure).toBeUndefined();
    const ended = Date.now();
    const after = await settled(ended);
    expect(after.status).toBe('match');
    expect(property(after).destinations[0]).toEqual(
      expect.objectContaining({ count: 230, verdict: { state: 'in-step', text: 'in step' } }),
    );
  });

  it('says what `resync status` says, word for word', async () => {
    sim.dataset.add(5);
    const dashboard = property(await counts(true)).destinations[0]!.verdict;
    expect(dashboard).toEqual({ state: 'missing', difference: 5, text: 'missing 5' });
    const report = await collectStatus({ config, runtime: ctx.runtime, client }, 'sim');
    const status = report.sources[0]!.resources[0]!.destinations[0]!;
    expect(status.countVerdict).toEqual(dashboard);
    expect(formatStatus(report)).toMatch(/d0\s+230 records, newest .* out of step: missing 5/);
  });

  it('shows child tables (expanded Media) under their resource with their rows, as `resync status` does', async () => {
    const [row] = await query<{ n: number }>(config.destinations.d0!.url, 'SELECT COUNT(*) AS n FROM `PropertyMedia`');
    const n = Number(row?.n);
    expect(n).toBeGreaterThan(0);
    const children = property(await counts(true)).children;
    expect(children).toEqual([
      {
        resource: 'PropertyMedia',
        navigation: 'Media',
        destinations: [expect.objectContaining({ name: 'd0', count: n, countedAt: expect.any(String) })],
      },
    ]);
    const report = await collectStatus({ config, runtime: ctx.runtime, client }, 'sim');
    expect(report.sources[0]!.resources[0]!.children).toEqual([
      { resource: 'PropertyMedia', navigation: 'Media', destinations: [{ name: 'd0', table: 'PropertyMedia', count: n }] },
    ]);
    expect(formatStatus(report)).toContain(`↳ PropertyMedia d0 ${n} rows`);
  });
});
