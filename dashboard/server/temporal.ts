/**
 * What the dashboard asks Temporal. Running work is one List call filtered by the deployment's
 * task queue (never one call per source); each running workflow then costs a query and a
 * describe, issued in parallel with a cap, because progress and retry state live only there.
 * Schedules of all sources are one List call too; the listing carries state, next and recent
 * actions, so nothing is described per schedule except on a single source's page.
 */
import {
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleSummary,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
} from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time.js';
import type { Config } from '../../config';
import { liveProgress } from '../../worker/progress';
import { workflowUiUrl } from '../../worker/temporal';
import { markerOf, plannedSchedules } from '../../worker/schedules';
import { PROCESSES, scheduleId, SEARCH_ATTRIBUTES, type ProcessName } from '../../workflows/names';
import { runSourceProgressQuery } from '../../workflows/run-source';
import type { KeyRunProgress } from '../../workflows/key-types';
import type { Process, RetryState, RunningWorkflow, ScheduleInfo } from './api-types';
import { scrub } from './scrub';

/** Parallel Temporal calls per request: enough to be quick, few enough to be kind to the server. */
const CONCURRENCY = 8;
/** A namespace gone wrong must not make one request read thousands of executions. */
const MAX_RUNNING = 500;
const CALL_DEADLINE_MS = 3000;

/** A Temporal list-filter string literal. */
export function visibilityLiteral(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function scheduleUiUrl(config: Config, id: string): string {
  return `${config.temporal.uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(config.temporal.namespace)}/schedules/${encodeURIComponent(id)}`;
}

/** Every open execution on this deployment's task queue, with progress and retry state. */
export async function listRunning(client: Client, config: Config, now = Date.now()): Promise<RunningWorkflow[]> {
  const query = `TaskQueue = ${visibilityLiteral(config.temporal.taskQueue)} AND ExecutionStatus = "Running"`;
  const found = [];
  for await (const wf of client.workflow.list({ query, pageSize: 200 })) {
    found.push(wf);
    if (found.length >= MAX_RUNNING) break;
  }
  // A query waits for a worker to answer it; with every worker down it would hang the page, so
  // each workflow's calls share a short deadline and a late answer just leaves its progress out.
  return mapLimit(found, CONCURRENCY, (wf) =>
    client.withDeadline(Date.now() + CALL_DEADLINE_MS, () => describeRunning(client, config, wf, now)),
  );
}

/**
 * Runs whose query went unanswered (no worker polls the task queue) are not queried again for a
 * while: the listing and describe still work without a worker, and every poll would otherwise
 * wait out the deadline.
 */
const unanswered = new Map<string, number>();
const UNANSWERED_MS = 30_000;

async function ask<T>(runId: string, question: () => Promise<T>): Promise<T | undefined> {
  const until = unanswered.get(runId);
  if (until && until > Date.now()) return undefined;
  try {
    const answer = await question();
    // liveProgress reports an unanswered query as undefined rather than throwing.
    if (answer === undefined) throw new Error('no answer');
    unanswered.delete(runId);
    return answer;
  } catch {
    unanswered.set(runId, Date.now() + UNANSWERED_MS);
    if (unanswered.size > 1000) for (const [id, t] of unanswered) if (t < Date.now()) unanswered.delete(id);
    return undefined;
  }
}

async function describeRunning(client: Client, config: Config, wf: WorkflowExecutionInfo, now: number): Promise<RunningWorkflow> {
  const found = await describeRunningOnce(client, config, wf, now);
  return (unanswered.get(wf.runId) ?? 0) > Date.now() ? { ...found, unanswered: true } : found;
}

async function describeRunningOnce(client: Client, config: Config, wf: WorkflowExecutionInfo, now: number): Promise<RunningWorkflow> {
  const attrs = wf.typedSearchAttributes;
  const source = attrs.get(SEARCH_ATTRIBUTES.source) ?? null;
  const base: RunningWorkflow = {
    workflowId: wf.workflowId,
    runId: wf.runId,
    workflowType: wf.type,
    source,
    resource: attrs.get(SEARCH_ATTRIBUTES.resource) ?? null,
    process: (attrs.get(SEARCH_ATTRIBUTES.process) ?? null) as Process | null,
    startedAt: wf.startTime.toISOString(),
    temporalUrl: workflowUiUrl(config, wf.workflowId, wf.runId),
    progress: null,
    retry: null,
  };
  const handle = client.workflow.getHandle(wf.workflowId, wf.runId);
  if (wf.type === 'runSource') {
    const state = await ask(wf.runId, () => handle.query(runSourceProgressQuery));
    const total = source ? (config.sources[source]?.resources.length ?? null) : null;
    return { ...base, current: { resource: state?.current ?? null, done: state?.outcomes.length ?? 0, total } };
  }
  // Describe carries the retry state of pending activities (and, for sync, the heartbeat of the
  // chunk in flight that liveProgress reads): fetched once and shared.
  const description = handle.describe();
  description.catch(() => undefined);
  const described = () => description.catch(() => undefined);
  const startedMs = (iso: string | null) => (iso ? Date.parse(iso) : wf.startTime.getTime());

  if (wf.type === 'purgeResource' || wf.type === 'reconcileResource') {
    // Both answer the same `progress` query name with the key-run shape.
    const [p, d] = await Promise.all([ask(wf.runId, () => handle.query<KeyRunProgress>('progress')), described()]);
    const retry = retryState(d?.raw.pendingActivities ?? []);
    if (!p) return { ...base, retry };
    const counting = p.phase === 'preparing' || p.phase === 'downloading' || p.phase === 'verifying';
    const parts = [
      p.destination ? `at ${p.destination}` : '',
      p.deleted ? `${p.deleted} deleted` : '',
      p.missing ? `${p.missing} missing` : '',
      p.stale ? `${p.stale} stale` : '',
      p.restored ? `${p.restored} restored` : '',
      p.refusal ?? '',
      p.warning ?? '',
    ];
    return {
      ...base,
      retry,
      progress: progressOf({
        phase: p.phase,
        done: p.keysStaged,
        total: counting ? p.expected : null,
        pages: null,
        startedMs: startedMs(p.startedAt),
        now,
        unit: 'keys',
        detail: parts.filter(Boolean).join(', ') || null,
      }),
    };
  }

  const shared = Object.assign(Object.create(handle) as WorkflowHandle, { describe: () => description });
  const [progress, d] = await Promise.all([ask(wf.runId, () => liveProgress(shared)), described()]);
  const retry = retryState(d?.raw.pendingActivities ?? []);
  if (!progress) return { ...base, retry };
  return {
    ...base,
    retry,
    progress: progressOf({
      phase: progress.phase,
      done: progress.records,
      total: progress.expectedTotal,
      pages: progress.pages,
      startedMs: startedMs(progress.startedAt),
      now,
      unit: 'records',
      detail: null,
    }),
  };
}

function progressOf(p: {
  phase: string;
  done: number;
  total: number | null;
  pages: number | null;
  startedMs: number;
  now: number;
  unit: 'records' | 'keys';
  detail: string | null;
}): NonNullable<RunningWorkflow['progress']> {
  const elapsed = Math.max(1, p.now - p.startedMs) / 1000;
  const rate = p.done > 0 ? p.done / elapsed : null;
  return {
    phase: p.phase,
    records: p.done,
    pages: p.pages ?? 0,
    expectedTotal: p.total,
    percent: p.total ? Math.min(100, Math.round((p.done / Math.max(p.total, 1)) * 1000) / 10) : p.total === 0 ? 100 : null,
    recordsPerSecond: rate === null ? null : Math.round(rate * 10) / 10,
    etaSeconds: p.total && rate && p.done < p.total ? Math.ceil((p.total - p.done) / rate) : null,
    unit: p.unit,
    detail: p.detail,
  };
}

interface PendingActivity {
  activityType?: { name?: string | null } | null;
  attempt?: number | null;
  lastFailure?: { message?: string | null; cause?: unknown } | null;
  lastAttemptCompleteTime?: Parameters<typeof optionalTsToDate>[0];
}

/** The pending activity furthest into its retries, when one is past its first attempt. */
export function retryState(pending: PendingActivity[]): RetryState | null {
  let worst: PendingActivity | undefined;
  for (const a of pending) if ((a.attempt ?? 0) > 1 && (a.attempt ?? 0) > (worst?.attempt ?? 0)) worst = a;
  if (!worst) return null;
  return {
    activity: worst.activityType?.name ?? 'activity',
    attempt: worst.attempt ?? 0,
    lastFailure: worst.lastFailure ? scrub(innermostMessage(worst.lastFailure)) : null,
    lastFailureAt: optionalTsToDate(worst.lastAttemptCompleteTime)?.toISOString() ?? null,
  };
}

function innermostMessage(failure: { message?: string | null; cause?: unknown }): string {
  let current: { message?: string | null; cause?: unknown } = failure;
  while (current.cause && typeof current.cause === 'object') current = current.cause as typeof current;
  return current.message || failure.message || 'unknown failure';
}

/** Schedules by ID: this deployment's (by their memo marker) and every one the config names. */
export async function listScheduleSummaries(client: Client, config: Config): Promise<Map<string, ScheduleSummary>> {
  const wanted = new Set(plannedSchedules(config).map((p) => p.scheduleId));
  const found = new Map<string, ScheduleSummary>();
  for await (const summary of client.schedule.list({ pageSize: 500 })) {
    const marker = markerOf(summary.memo);
    if (wanted.has(summary.scheduleId) || (marker && marker.taskQueue === config.temporal.taskQueue))
      found.set(summary.scheduleId, summary);
  }
  return found;
}

/**
 * One row per schedule the config plans or this deployment made. `describe` (one source's page)
 * reads each of its schedules directly: right after a pause the listing may still lag.
 */
export function scheduleRows(
  config: Config,
  summaries: Map<string, ScheduleSummary | ScheduleDescription>,
  durations: Map<string, number>,
  onlySource?: string,
): ScheduleInfo[] {
  const rows: ScheduleInfo[] = [];
  const planned = new Map(plannedSchedules(config).map((p) => [p.scheduleId, p]));
  const ids = new Set([...planned.keys(), ...summaries.keys()]);
  for (const id of ids) {
    const plan = planned.get(id);
    const summary = summaries.get(id);
    const marker = summary ? markerOf(summary.memo) : undefined;
    const source = plan?.source ?? marker?.source ?? parseScheduleId(id)?.source;
    const process = plan?.process ?? marker?.process ?? parseScheduleId(id)?.process;
    if (!source || !process || (onlySource && source !== onlySource)) continue;
    const last = summary?.info.recentActions.at(-1);
    rows.push({
      scheduleId: id,
      source,
      process,
      cron: plan?.cron ?? null,
      timeZone: plan?.timeZone ?? (summary?.spec?.timezone || null),
      exists: !!summary,
      paused: summary?.state.paused ?? false,
      note: summary?.state.note ? scrub(summary.state.note) : null,
      // Temporal keeps listing the times a paused schedule would fire; none of them will.
      nextRuns: summary?.state.paused ? [] : (summary?.info.nextActionTimes ?? []).map((d) => d.toISOString()),
      lastAction: last
        ? {
            workflowId: last.action.workflow.workflowId,
            runId: last.action.workflow.firstExecutionRunId,
            takenAt: last.takenAt.toISOString(),
            temporalUrl: workflowUiUrl(config, last.action.workflow.workflowId, last.action.workflow.firstExecutionRunId),
          }
        : null,
      typicalDurationMs: durations.get(`${source}/${process}`) ?? null,
      temporalUrl: scheduleUiUrl(config, id),
    });
  }
  const order = (r: ScheduleInfo) =>
    `${Object.keys(config.sources).indexOf(r.source).toString().padStart(4, '0')}${r.source}${PROCESSES.indexOf(r.process)}`;
  return rows.sort((a, b) => order(a).localeCompare(order(b)));
}

/** The schedules of one source, described directly (at most one call per process). */
export async function describeSourceSchedules(client: Client, source: string): Promise<Map<string, ScheduleDescription>> {
  const found = new Map<string, ScheduleDescription>();
  await Promise.all(
    PROCESSES.map(async (p) => {
      const id = scheduleId(source, p);
      const d = await client.schedule
        .getHandle(id)
        .describe()
        .catch((err: unknown) => {
          if (err instanceof ScheduleNotFoundError) return undefined;
          throw err;
        });
      if (d) found.set(id, d);
    }),
  );
  return found;
}

export function parseScheduleId(id: string): { source: string; process: ProcessName } | undefined {
  const m = /^resync:(.+):(sync|purge|reconcile)$/.exec(id);
  return m ? { source: m[1]!, process: m[2] as ProcessName } : undefined;
}

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}
