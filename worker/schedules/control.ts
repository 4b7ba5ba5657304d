/**
 * An operator's hands on the schedules: pause, resume and trigger. Triggering uses overlap SKIP,
 * so it never starts a run while the schedule's previous run is still going, and says so.
 */
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import { PROCESSES, scheduleId, type ProcessName } from '../../workflows/names';

export interface ControlReport {
  scheduleId: string;
  process: ProcessName;
  result: 'paused' | 'already paused' | 'resumed' | 'not paused';
  note: string | null;
}

export class ScheduleMissing extends Error {
  override readonly name = 'ScheduleMissing';
}

/** The schedules of a source that exist (one process, or every process that has one). */
async function existing(
  client: Client,
  source: string,
  process?: ProcessName,
): Promise<{ process: ProcessName; description: ScheduleDescription }[]> {
  const found = [];
  for (const p of process ? [process] : PROCESSES) {
    const description = await client.schedule
      .getHandle(scheduleId(source, p))
      .describe()
      .catch((err: unknown) => {
        if (err instanceof ScheduleNotFoundError) return undefined;
        throw err;
      });
    if (description) found.push({ process: p, description });
  }
  if (found.length === 0) {
    const what = process ? `schedule ${scheduleId(source, process)}` : `schedule for source ${source}`;
    throw new ScheduleMissing(`there is no ${what} (add schedules to the config and run \`resync schedules apply\`)`);
  }
  return found;
}

export async function pauseSchedules(
  client: Client,
  source: string,
  opts: { process?: ProcessName; note?: string; who?: string },
): Promise<ControlReport[]> {
  const reports: ControlReport[] = [];
  for (const { process, description } of await existing(client, source, opts.process)) {
    const id = scheduleId(source, process);
    if (description.state.paused) {
      reports.push({ scheduleId: id, process, result: 'already paused', note: description.state.note || null });
      continue;
    }
    const note = opts.note ?? `paused by ${opts.who ?? 'resync schedules pause'} at ${new Date().toISOString()}`;
    await client.schedule.getHandle(id).pause(note);
    reports.push({ scheduleId: id, process, result: 'paused', note });
  }
  return reports;
}

export async function resumeSchedules(
  client: Client,
  source: string,
  opts: { process?: ProcessName; note?: string },
): Promise<ControlReport[]> {
  const reports: ControlReport[] = [];
  for (const { process, description } of await existing(client, source, opts.process)) {
    const id = scheduleId(source, process);
    if (!description.state.paused) {
      reports.push({ scheduleId: id, process, result: 'not paused', note: description.state.note || null });
      continue;
    }
    const note = opts.note ?? `resumed by resync schedules resume at ${new Date().toISOString()}`;
    await client.schedule.getHandle(id).unpause(note);
    reports.push({ scheduleId: id, process, result: 'resumed', note });
  }
  return reports;
}

export type TriggerResult =
  | { scheduleId: string; outcome: 'started'; workflowId: string; runId: string }
  | { scheduleId: string; outcome: 'skipped'; reason: string };

/**
 * Asks the schedule to start its action now with overlap SKIP and watches its counters to learn
 * what happened: the trigger itself returns before the schedule has decided.
 */
export async function triggerSchedule(
  client: Client,
  source: string,
  process: ProcessName,
  opts: { timeoutMs?: number } = {},
): Promise<TriggerResult> {
  const id = scheduleId(source, process);
  // existing() throws when the schedule is missing, so there is exactly one.
  const before = (await existing(client, source, process))[0]!.description;
  const handle = client.schedule.getHandle(id);
  const known = new Set(before.info.recentActions.map((a) => a.action.workflow.firstExecutionRunId));
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    const now = await handle.describe();
    const started = now.info.recentActions.find((a) => !known.has(a.action.workflow.firstExecutionRunId));
    if (started)
      return {
        scheduleId: id,
        outcome: 'started',
        workflowId: started.action.workflow.workflowId,
        runId: started.action.workflow.firstExecutionRunId,
      };
    if (now.info.numActionsSkippedOverlap > before.info.numActionsSkippedOverlap) {
      const running = now.info.runningActions.map((a) => a.workflow.workflowId).join(', ');
      return { scheduleId: id, outcome: 'skipped', reason: `the previous run is still going${running ? ` (${running})` : ''}` };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `schedule ${id} neither started nor skipped a run within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)} s of the trigger`,
  );
}
