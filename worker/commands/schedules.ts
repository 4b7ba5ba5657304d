/**
 * `resync schedules apply|list|pause|resume|trigger`: printing and exit codes around
 * worker/schedules. Exit codes: 0 done, 1 error (or, with trigger --wait, a failed run),
 * 2 trigger skipped because a run of the process on the source is still going.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { Config } from '../../config';
import { scheduleId, type ProcessName } from '../../workflows/names';
import type { runSource } from '../../workflows/run-source';
import {
  applySchedules,
  listSchedules,
  pauseSchedules,
  resumeSchedules,
  triggerSchedule,
  type ControlReport,
  type ScheduleRow,
} from '../schedules';
import { busyRuns } from '../schedules/busy';
import { workflowUiUrl } from '../temporal';
import { withSourceRunProgress } from './source-run-progress';

export const EXIT_SKIPPED = 2;

export async function applyCommand(client: Client, config: Config, opts: { json?: boolean }): Promise<number> {
  const reports = await applySchedules(client, config);
  if (opts.json) {
    console.log(JSON.stringify(reports, null, 2));
    return 0;
  }
  if (reports.length === 0) console.log('no schedules in the config and none to pause (add sources.<name>.schedules)');
  for (const r of reports) {
    const paused = r.paused && !r.action.includes('paused') ? ` — paused: ${r.note ?? 'no note'}` : '';
    const note = r.action.includes('paused') && r.note ? ` — ${r.note}` : '';
    console.log(`${r.scheduleId}: ${r.action}${paused}${note}`);
  }
  return 0;
}

export async function listCommand(client: Client, config: Config, opts: { json?: boolean }): Promise<number> {
  const rows = await listSchedules(client, config);
  if (opts.json) {
    console.log(JSON.stringify(rows, null, 2));
    return 0;
  }
  if (rows.length === 0) console.log('no schedules (add sources.<name>.schedules to the config, then resync schedules apply)');
  for (const row of rows) console.log(formatRow(config, row));
  return 0;
}

function formatRow(config: Config, row: ScheduleRow): string {
  const when = row.cron ? `${row.cron} (${row.timeZone ?? 'UTC'})` : 'not in the config';
  const lines = [`${row.scheduleId}  ${row.state.toUpperCase()}  ${when}`];
  if (row.state === 'missing') lines.push('  not applied yet: run resync schedules apply');
  if (row.note) lines.push(`  note: ${row.note}`);
  if (row.nextRuns.length) lines.push(`  next: ${row.nextRuns.join(', ')}`);
  if (row.lastRun) {
    const ended = row.lastRun.closedAt ? `, ended ${row.lastRun.closedAt}` : '';
    lines.push(
      `  last: ${row.lastRun.status} (started ${row.lastRun.startedAt}${ended})  ${workflowUiUrl(config, row.lastRun.workflowId, row.lastRun.runId)}`,
    );
  } else if (row.state !== 'missing') {
    lines.push('  last: no run yet');
  }
  if (row.skippedOverlaps) lines.push(`  skipped because the previous run was still going: ${row.skippedOverlaps}`);
  return lines.join('\n');
}

export async function pauseCommand(
  client: Client,
  source: string,
  opts: { process?: ProcessName; note?: string; json?: boolean },
): Promise<number> {
  printControl(await pauseSchedules(client, source, opts), !!opts.json);
  return 0;
}

export async function resumeCommand(
  client: Client,
  source: string,
  opts: { process?: ProcessName; note?: string; json?: boolean },
): Promise<number> {
  printControl(await resumeSchedules(client, source, opts), !!opts.json);
  return 0;
}

function printControl(reports: ControlReport[], json: boolean): void {
  if (json) console.log(JSON.stringify(reports, null, 2));
  else for (const r of reports) console.log(`${r.scheduleId}: ${r.result}${r.note ? ` — ${r.note}` : ''}`);
}

export async function triggerCommand(
  client: Client,
  config: Config,
  source: string,
  opts: { process: ProcessName; wait?: boolean; json?: boolean },
): Promise<number> {
  // A run started now would skip every resource already running (their workflow IDs are fixed),
  // whoever started them; say so rather than "started", as the dashboard's Run now does.
  const resources = config.sources[source]?.resources.map((r) => r.name) ?? [];
  const busy = await busyRuns(client, source, opts.process, resources);
  if (busy.length > 0) {
    const skipped = { scheduleId: scheduleId(source, opts.process), outcome: 'skipped', reason: `still running: ${busy.join(', ')}` };
    console.log(opts.json ? JSON.stringify(skipped) : `${skipped.scheduleId}: skipped — ${skipped.reason}; nothing was started`);
    return EXIT_SKIPPED;
  }
  const result = await triggerSchedule(client, source, opts.process);
  if (result.outcome === 'skipped') {
    console.log(opts.json ? JSON.stringify(result) : `${result.scheduleId}: skipped — ${result.reason}`);
    return EXIT_SKIPPED;
  }
  if (!opts.wait) {
    console.log(
      opts.json
        ? JSON.stringify(result)
        : `${result.scheduleId}: started ${result.workflowId}  ${workflowUiUrl(config, result.workflowId, result.runId)}`,
    );
    return 0;
  }
  const handle = client.workflow.getHandle<typeof runSource>(result.workflowId, result.runId);
  try {
    const run = await withSourceRunProgress(client, handle, { source, process: opts.process, json: opts.json }, handle.result());
    if (opts.json) console.log(JSON.stringify({ ...result, ok: true, outcomes: run.outcomes }));
    else {
      console.log(`${result.workflowId}: ok`);
      for (const o of run.outcomes) console.log(`  ${o.resource}: ${o.outcome}${o.error ? ` (${o.error})` : ''}`);
    }
    return 0;
  } catch (err) {
    const message = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : (err as Error).message;
    console.log(opts.json ? JSON.stringify({ ...result, ok: false, error: message }) : `${result.workflowId}: FAILED — ${message}`);
    return 1;
  }
}
