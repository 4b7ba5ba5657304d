/**
 * What the config asks of Temporal: one Schedule per source and process that has a cron, built
 * the same way every time so `resync schedules apply` can be run again and again.
 */
import { ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../../config';
import { PROCESSES, runSourceWorkflowId, scheduleId, SCHEDULE_MEMO_KEY, SEARCH_ATTRIBUTES, type ProcessName } from '../../workflows/names';
import type { RunSourceInput } from '../../workflows/types';

/** Stored in a schedule's memo: which deployment (namespace + task queue) made it, for what. */
export interface ManagedMarker {
  managed: true;
  source: string;
  process: ProcessName;
  taskQueue: string;
}

export interface PlannedSchedule {
  scheduleId: string;
  source: string;
  process: ProcessName;
  cron: string;
  timeZone: string;
  catchupWindow: string;
}

/** In config order: sources as listed, then sync, purge, reconcile. */
export function plannedSchedules(config: Config): PlannedSchedule[] {
  const planned: PlannedSchedule[] = [];
  for (const [source, src] of Object.entries(config.sources)) {
    const s = src.schedules;
    if (!s) continue;
    for (const process of PROCESSES) {
      const cron = s[process];
      if (cron)
        planned.push({
          scheduleId: scheduleId(source, process),
          source,
          process,
          cron,
          timeZone: s.timeZone,
          catchupWindow: s.catchupWindow,
        });
    }
  }
  return planned;
}

export function scheduleOptions(config: Config, p: PlannedSchedule): ScheduleOptions {
  const attributes = [
    { key: SEARCH_ATTRIBUTES.source, value: p.source },
    { key: SEARCH_ATTRIBUTES.process, value: p.process },
  ];
  const marker: ManagedMarker = { managed: true, source: p.source, process: p.process, taskQueue: config.temporal.taskQueue };
  return {
    scheduleId: p.scheduleId,
    spec: { cronExpressions: [p.cron], timezone: p.timeZone },
    action: {
      type: 'startWorkflow',
      workflowType: 'runSource',
      taskQueue: config.temporal.taskQueue,
      workflowId: runSourceWorkflowId(p.source, p.process),
      args: [{ source: p.source, process: p.process } satisfies RunSourceInput],
      typedSearchAttributes: attributes,
      staticSummary: `scheduled ${p.process} of ${p.source}`,
    },
    // SKIP: a run that is still going when the next one is due is left to finish; the due run is dropped.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: p.catchupWindow as never },
    memo: { [SCHEDULE_MEMO_KEY]: marker },
    typedSearchAttributes: attributes,
  };
}

/** The marker when the memo has one (a schedule made by `resync schedules apply`). */
export function markerOf(memo: Record<string, unknown> | undefined): ManagedMarker | undefined {
  const value = memo?.[SCHEDULE_MEMO_KEY] as Partial<ManagedMarker> | undefined;
  if (!value || value.managed !== true || typeof value.source !== 'string' || typeof value.taskQueue !== 'string') return undefined;
  if (!PROCESSES.includes(value.process as ProcessName)) return undefined;
  return value as ManagedMarker;
}
