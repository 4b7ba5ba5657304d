/**
 * `resync schedules apply`: makes Temporal's schedules match the config. Creating or updating is
 * idempotent; a pause (and its note) is never undone here, because a person paused it for a
 * reason; and a schedule this deployment made that the config no longer has is paused with a note
 * rather than deleted, so its history stays visible and resuming it is one command.
 */
import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import type { SearchAttributePair, TypedSearchAttributes } from '@temporalio/common';
import type { Config } from '../../config';
import type { ProcessName } from '../../workflows/names';
import { markerOf, plannedSchedules, scheduleOptions } from './plan';

export type ApplyAction = 'created' | 'updated' | 'unchanged' | 'paused (not in config)' | 'left paused (not in config)';

export interface ApplyReport {
  scheduleId: string;
  source: string;
  process: ProcessName;
  action: ApplyAction;
  paused: boolean;
  note?: string;
}

export async function applySchedules(client: Client, config: Config, now: () => Date = () => new Date()): Promise<ApplyReport[]> {
  const reports: ApplyReport[] = [];
  const planned = plannedSchedules(config);
  for (const p of planned) {
    const options = scheduleOptions(config, p);
    const handle = client.schedule.getHandle(p.scheduleId);
    const before = await handle.describe().catch((err: unknown) => {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    });
    if (!before) {
      await client.schedule.create(options);
      reports.push({ scheduleId: p.scheduleId, source: p.source, process: p.process, action: 'created', paused: false });
      continue;
    }
    await handle.update((prev) => ({
      spec: options.spec,
      action: options.action,
      policies: options.policies ?? {},
      typedSearchAttributes: options.typedSearchAttributes ?? [],
      // Whatever state the schedule is in stays: an operator's pause and note survive every apply.
      state: {
        paused: prev.state.paused,
        ...(prev.state.note ? { note: prev.state.note } : {}),
        ...(prev.state.remainingActions !== undefined ? { remainingActions: prev.state.remainingActions } : {}),
      },
    }));
    const after = await handle.describe();
    reports.push({
      scheduleId: p.scheduleId,
      source: p.source,
      process: p.process,
      // Compared as the server stores it (a cron comes back as calendars), so "unchanged" is a fact.
      action: fingerprint(before) === fingerprint(after) ? 'unchanged' : 'updated',
      paused: after.state.paused,
      ...(after.state.note ? { note: after.state.note } : {}),
    });
  }

  const wanted = new Set(planned.map((p) => p.scheduleId));
  for await (const summary of client.schedule.list()) {
    const marker = markerOf(summary.memo);
    // Only this deployment's schedules: another task queue in the namespace is someone else's.
    if (!marker || marker.taskQueue !== config.temporal.taskQueue || wanted.has(summary.scheduleId)) continue;
    const handle = client.schedule.getHandle(summary.scheduleId);
    // The listing may lag behind; the description is current.
    const current = await handle.describe().catch(() => undefined);
    if (!current) continue;
    const base = { scheduleId: summary.scheduleId, source: marker.source, process: marker.process, paused: true };
    if (current.state.paused) {
      reports.push({ ...base, action: 'left paused (not in config)', ...(current.state.note ? { note: current.state.note } : {}) });
      continue;
    }
    const note = `paused by resync schedules apply at ${now().toISOString()}: sources.${marker.source}.schedules.${marker.process} is no longer in the config`;
    await handle.pause(note);
    reports.push({ ...base, action: 'paused (not in config)', note });
  }
  return reports;
}

/** The parts of a schedule that apply sets, in a stable order. */
function fingerprint(d: ScheduleDescription): string {
  const attributes = (all: SearchAttributePair[] | TypedSearchAttributes | undefined) =>
    (Array.isArray(all) ? all : (all?.getAll() ?? [])).map((p) => [p.key.name, p.value] as const).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify({
    spec: d.spec,
    action: {
      workflowType: d.action.workflowType,
      workflowId: d.action.workflowId,
      taskQueue: d.action.taskQueue,
      args: d.action.args,
      staticSummary: d.action.staticSummary,
      attributes: attributes(d.action.typedSearchAttributes),
    },
    policies: d.policies,
    attributes: attributes(d.typedSearchAttributes),
  });
}
