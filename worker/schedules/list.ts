/**
 * What `resync schedules list` shows: every schedule of this deployment (and every one the config
 * asks for, even when it has not been applied yet), its state, next runs and how the last run ended.
 */
import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import type { Config } from '../../config';
import type { ProcessName } from '../../workflows/names';
import { markerOf, plannedSchedules } from './plan';

export interface ScheduleRow {
  scheduleId: string;
  source: string;
  process: ProcessName;
  /** From the config; null for a schedule the config no longer has. */
  cron: string | null;
  timeZone: string | null;
  /** `missing`: in the config but not applied yet. */
  state: 'active' | 'paused' | 'missing';
  note: string | null;
  nextRuns: string[];
  lastRun: LastRun | null;
  /** Runs dropped because the previous one was still going. */
  skippedOverlaps: number;
}

export interface LastRun {
  workflowId: string;
  runId: string;
  startedAt: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, TERMINATED, … */
  status: string;
  closedAt: string | null;
}

export async function listSchedules(client: Client, config: Config, opts: { nextRuns?: number } = {}): Promise<ScheduleRow[]> {
  const rows = new Map<string, Omit<ScheduleRow, 'state' | 'note' | 'nextRuns' | 'lastRun' | 'skippedOverlaps'>>();
  for (const p of plannedSchedules(config)) {
    rows.set(p.scheduleId, { scheduleId: p.scheduleId, source: p.source, process: p.process, cron: p.cron, timeZone: p.timeZone });
  }
  for await (const summary of client.schedule.list()) {
    const marker = markerOf(summary.memo);
    if (!marker || marker.taskQueue !== config.temporal.taskQueue || rows.has(summary.scheduleId)) continue;
    rows.set(summary.scheduleId, {
      scheduleId: summary.scheduleId,
      source: marker.source,
      process: marker.process,
      cron: null,
      timeZone: null,
    });
  }
  const result: ScheduleRow[] = [];
  for (const row of rows.values()) {
    const description = await client.schedule
      .getHandle(row.scheduleId)
      .describe()
      .catch((err: unknown) => {
        if (err instanceof ScheduleNotFoundError) return undefined;
        throw err;
      });
    if (!description) {
      result.push({ ...row, state: 'missing', note: null, nextRuns: [], lastRun: null, skippedOverlaps: 0 });
      continue;
    }
    result.push({
      ...row,
      timeZone: row.timeZone ?? (description.spec.timezone || null),
      state: description.state.paused ? 'paused' : 'active',
      note: description.state.note || null,
      nextRuns: description.info.nextActionTimes.slice(0, opts.nextRuns ?? 3).map((d) => d.toISOString()),
      lastRun: await lastRun(client, description),
      skippedOverlaps: description.info.numActionsSkippedOverlap,
    });
  }
  return result;
}

async function lastRun(client: Client, description: ScheduleDescription): Promise<LastRun | null> {
  const last = description.info.recentActions.at(-1);
  if (!last) return null;
  const { workflowId, firstExecutionRunId } = last.action.workflow;
  const run = await client.workflow
    .getHandle(workflowId, firstExecutionRunId)
    .describe()
    .catch(() => undefined);
  return {
    workflowId,
    runId: firstExecutionRunId,
    startedAt: last.takenAt.toISOString(),
    // A run past the namespace's retention is no longer known.
    status: run?.status.name ?? 'UNKNOWN',
    closedAt: run?.closeTime?.toISOString() ?? null,
  };
}
