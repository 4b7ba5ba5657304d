/**
 * A no-change incremental sync, as an operator runs it after a full one: `resync sync <source>
 * --wait` with nothing new at the MLS. Wall time of the command (the built CLI on plain Node:
 * start, connect, start the run, wait, print), and the worker's part of it: the run's workflow
 * from start to close as Temporal recorded it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { buildCli } from '../build';
import { fromRoot } from '../lib/paths';

const run = promisify(execFile);

export interface NoChangeSync {
  wallSeconds: number;
  workerSeconds: number;
  /** Each activity of the run from scheduled to completed, in ms, in order (where the worker's part goes). */
  activities: { name: string; ms: number }[];
  /** Workflow tasks the run took (each a round trip through the server; local activities run inside one). */
  workflowTasks: number;
}

/**
 * Built once per benchmark (the worker's start has built it already): with a build before every run,
 * esbuild's process was still using CPU while the command being timed started.
 */
let built: Promise<string> | undefined;

/** Runs `resync sync <source> -r <resource> --wait --json` once; the worker serving the config must be running. */
export async function measureNoChangeSync(client: Client, configFile: string, source: string, resource: string): Promise<NoChangeSync> {
  const cli = await (built ??= buildCli());
  const started = performance.now();
  // $RESYNC_BENCH_CLI_PROFILE=<folder>: the command writes a CPU profile there (where its time goes).
  const profile = process.env.RESYNC_BENCH_CLI_PROFILE;
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const args = [...nodeArgs, cli, '--config', configFile, 'sync', source, '-r', resource, '--wait', '--json'];
  const { stdout } = await run(process.execPath, args, {
    cwd: fromRoot(),
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const lines = stdout.trim().split('\n');
  const outcome = JSON.parse(lines[lines.length - 1]!) as { ok?: boolean; workflowId?: string; result?: { upserted?: number } };
  if (!outcome.ok || !outcome.workflowId) throw new Error(`no-change sync: unexpected outcome ${lines[lines.length - 1]}`);
  const upserted = outcome.result?.upserted;
  if (upserted) throw new Error(`no-change sync: ${upserted} records written, expected none`);
  const described = await client.workflow.getHandle(outcome.workflowId).describe();
  if (!described.closeTime) throw new Error(`no-change sync: ${outcome.workflowId} has not closed`);
  const workerSeconds = (described.closeTime.getTime() - described.startTime.getTime()) / 1000;
  return { wallSeconds, workerSeconds, ...(await historyFigures(client, outcome.workflowId)) };
}

async function historyFigures(client: Client, workflowId: string): Promise<Pick<NoChangeSync, 'activities' | 'workflowTasks'>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const workflowTasks = (history.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes).length;
  const millis = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
    Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
  const scheduled = new Map<string, { name: string; at: number }>();
  const times: { name: string; ms: number }[] = [];
  for (const event of history.events ?? []) {
    const at = millis(event.eventTime);
    const attrs = event.activityTaskScheduledEventAttributes;
    if (attrs) scheduled.set(String(event.eventId), { name: attrs.activityType?.name ?? '?', at });
    const done = event.activityTaskCompletedEventAttributes;
    const start = done ? scheduled.get(String(done.scheduledEventId)) : undefined;
    if (start) times.push({ name: start.name, ms: Math.round(at - start.at) });
  }
  return { activities: times, workflowTasks };
}
