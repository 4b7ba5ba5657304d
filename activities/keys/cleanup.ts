/**
 * Staging is temporary: a run's rows are removed when it ends, whatever the outcome, and the
 * janitor removes those of runs that have not moved for a day (a worker gone for good, a
 * terminated workflow), so the control database never keeps a million keys nobody will read.
 */
import type { Runtime } from '../runtime';
import { abandonedRuns, dropRun } from './staging';

/** Runs idle for longer than this are abandoned. Active runs touch their row every chunk (≤ 30 s). */
export const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

/** `progress` is called between chunks of deletes (an activity heartbeats there). */
export async function dropStaging(
  runtime: Runtime,
  input: { runId: string },
  progress: () => void = () => undefined,
): Promise<{ rows: number }> {
  const stats = await runtime.statsStore();
  const rows = await dropRun(stats.pool, input.runId, progress);
  runtime.logger.info({ runId: input.runId, rows }, 'staging removed');
  return { rows };
}

export async function dropAbandonedStaging(
  runtime: Runtime,
  opts: { idleMs?: number } = {},
  progress: () => void = () => undefined,
): Promise<{ runs: string[] }> {
  const stats = await runtime.statsStore();
  const runs = await abandonedRuns(stats.pool, opts.idleMs ?? ABANDONED_AFTER_MS);
  for (const runId of runs) {
    const rows = await dropRun(stats.pool, runId, progress);
    runtime.logger.warn({ runId, rows }, 'staging of an abandoned run removed');
  }
  return { runs };
}
