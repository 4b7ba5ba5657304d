import type { FastifyInstance } from 'fastify';
import { PROCESSES } from '../../../workflows/names';
import { workflowUiUrl } from '../../../worker/temporal';
import type { LastRun, OverviewResponse, ProcessStatus, ScheduleInfo } from '../api-types';
import type { DashboardContext } from '../context';
import { scheduleRows } from '../temporal';

export function registerOverview(app: FastifyInstance, ctx: DashboardContext): void {
  // One history query, one listing of running work, one of schedules: the cost does not grow
  // with the number of sources.
  app.get('/api/overview', async (): Promise<OverviewResponse> => {
    const { config } = ctx;
    const failures: string[] = [];
    const [newest, running, summaries, durations] = await Promise.all([
      ctx.history.newestRuns(),
      ctx.orElse(() => ctx.running(), [], failures),
      ctx.orElse(() => ctx.scheduleSummaries(), new Map(), failures),
      ctx.typicalDurations(),
    ]);
    const schedules = scheduleRows(config, summaries, durations);
    const counts = await Promise.all(Object.keys(config.sources).map((source) => ctx.counts.peek(source)));
    const cards = Object.entries(config.sources).map(([source, src], i) => {
      const runs = newest
        .filter((r) => r.source === source)
        .map((r): LastRun => ({ ...r, temporalUrl: workflowUiUrl(config, r.workflowId, r.runId) }));
      const processes = PROCESSES.map((p) =>
        processStatus(
          p,
          runs.filter((r) => r.process === p),
          schedules.find((s) => s.source === source && s.process === p),
        ),
      ).filter((s) => s.last || s.nextRun || s.paused !== null || s.process === 'sync');
      return {
        source,
        platform: src.platform,
        processes,
        running: running.filter((w) => w.source === source),
        counts: counts[i]!,
      };
    });
    return { generatedAt: new Date().toISOString(), temporalError: failures[0] ?? null, cards };
  });
}

/** A process over all resources of a source: its newest run, failed when any resource's failed. */
export function processStatus(process: ProcessStatus['process'], runs: LastRun[], schedule: ScheduleInfo | undefined): ProcessStatus {
  const exists = schedule?.exists ? schedule : undefined;
  const base = { process, nextRun: exists && !exists.paused ? (exists.nextRuns[0] ?? null) : null, paused: exists ? exists.paused : null };
  if (runs.length === 0) return { ...base, last: null };
  const newest = runs.reduce((a, b) => (b.startedAt > a.startedAt ? b : a));
  const failed = runs.filter((r) => r.outcome === 'failed');
  const outcome = runs.some((r) => r.outcome === 'running') ? 'running' : failed.length ? 'failed' : 'succeeded';
  const finished = runs.map((r) => r.finishedAt).filter((f): f is string => !!f);
  return {
    ...base,
    last: {
      startedAt: newest.startedAt,
      finishedAt: outcome === 'running' || finished.length === 0 ? null : finished.reduce((a, b) => (b > a ? b : a)),
      outcome,
      error: failed[0]?.error ?? null,
      resources: runs.length,
      failedResources: failed.map((r) => r.resource),
      temporalUrl: (failed[0] ?? newest).temporalUrl,
    },
  };
}
