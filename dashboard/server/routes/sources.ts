import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { workflowUiUrl } from '../../../worker/temporal';
import type { ChartResponse, CountsResponse, LastRun, RunDetail, RunRow, RunsPage, SourceResponse } from '../api-types';
import type { DashboardContext } from '../context';
import { name, notFound, parse, processName, queryInt } from '../http';
import { describeSourceSchedules, scheduleRows } from '../temporal';
import { sourceOf, summarize } from './common';

const sourceParams = z.strictObject({ source: name });
const outcome = z.enum(['running', 'succeeded', 'failed'], { error: 'must be running, succeeded or failed' });

const runsQuery = z.strictObject({
  page: queryInt(1, 100_000, 1),
  pageSize: queryInt(1, 100, 25),
  process: processName.optional(),
  resource: name.optional(),
  outcome: outcome.optional(),
});

const chartQuery = z.strictObject({
  limit: queryInt(1, 1000, 200),
  process: processName.optional(),
  resource: name.optional(),
});

const countsQuery = z.strictObject({ refresh: z.enum(['0', '1'], { error: 'must be 0 or 1' }).optional() });
const runParams = z.strictObject({ runId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a run ID (letters, digits, - and _)') });

export function registerSources(app: FastifyInstance, ctx: DashboardContext): void {
  const { config } = ctx;

  app.get('/api/sources/:source', async (request): Promise<SourceResponse> => {
    const { source } = parse(sourceParams, request.params, 'path');
    sourceOf(config, source);
    // A single source's schedules are described directly: a pause shows at once, while the
    // listing can lag behind by a moment.
    const failures: string[] = [];
    const [schedules, newest, running, durations] = await Promise.all([
      ctx.orElse(() => describeSourceSchedules(ctx.client, source), new Map(), failures),
      ctx.history.newestRuns([source]),
      ctx.orElse(() => ctx.running(), [], failures),
      ctx.typicalDurations(),
    ]);
    return {
      temporalError: failures[0] ?? null,
      source: summarize(config, source),
      schedules: scheduleRows(config, schedules, durations, source),
      lastRuns: newest.map((r): LastRun => ({ ...r, temporalUrl: workflowUiUrl(config, r.workflowId, r.runId) })),
      running: running.filter((w) => w.source === source),
    };
  });

  app.get('/api/sources/:source/counts', async (request): Promise<CountsResponse> => {
    const { source } = parse(sourceParams, request.params, 'path');
    const { refresh } = parse(countsQuery, request.query, 'query');
    sourceOf(config, source);
    return ctx.counts.get(source, { refresh: refresh === '1' });
  });

  app.get('/api/sources/:source/runs', async (request): Promise<RunsPage> => {
    const { source } = parse(sourceParams, request.params, 'path');
    const q = parse(runsQuery, request.query, 'query');
    sourceOf(config, source);
    const filters = {
      ...(q.process ? { process: q.process } : {}),
      ...(q.resource ? { resource: q.resource } : {}),
      ...(q.outcome ? { outcome: q.outcome } : {}),
    };
    const [page, running] = await Promise.all([
      ctx.history.runsPage(source, filters, q.page, q.pageSize),
      ctx.running().catch(() => undefined),
    ]);
    const open = running ? new Set(running.map((w) => w.workflowId)) : undefined;
    return {
      page: q.page,
      pageSize: q.pageSize,
      total: page.total,
      runs: page.runs.map((r): RunRow => ({
        ...r,
        temporalUrl: workflowUiUrl(config, r.workflowId, r.runId),
        // The history says running, Temporal does not: the run was terminated or its worker lost.
        ...(r.outcome === 'running' && open && !open.has(r.workflowId) ? { stale: true } : {}),
      })),
    };
  });

  app.get('/api/sources/:source/chart', async (request): Promise<ChartResponse> => {
    const { source } = parse(sourceParams, request.params, 'path');
    const q = parse(chartQuery, request.query, 'query');
    sourceOf(config, source);
    const filters = { ...(q.process ? { process: q.process } : {}), ...(q.resource ? { resource: q.resource } : {}) };
    return { points: await ctx.history.chart(source, filters, q.limit) };
  });

  app.get('/api/runs/:runId', async (request): Promise<RunDetail> => {
    const { runId } = parse(runParams, request.params, 'path');
    const run = await ctx.history.run(runId, 50);
    if (!run) throw notFound(`no run ${runId} in the history`);
    return { ...run, temporalUrl: workflowUiUrl(config, run.workflowId, run.runId) };
  });
}
