/**
 * Progress of a runSource (a triggered schedule) for `--wait`: the resource it is working on, with
 * that child run's live progress (and retries), through the same printer as `sync --wait`.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { resourceWorkflowId, type ProcessName } from '../../workflows/names';
import { runSourceProgressQuery } from '../../workflows/run-source';
import { liveProgress } from '../progress';
import { formatProgress } from '../progress-format';
import { progressPrinter } from '../progress-lines';

/** Awaits `result` while printing the progress of the resource the run is on, once a second. */
export async function withSourceRunProgress<T>(
  client: Client,
  handle: WorkflowHandle,
  run: { source: string; process: ProcessName; json?: boolean },
  result: Promise<T>,
): Promise<T> {
  const printer = progressPrinter({ tty: process.stdout.isTTY === true, json: run.json === true });
  let stop = false;
  const poll = (async () => {
    let current: string | null = null;
    let since = Date.now();
    while (!stop) {
      await new Promise((r) => setTimeout(r, 1000));
      if (stop) break;
      const state = await handle.query(runSourceProgressQuery).catch(() => undefined);
      if (!state?.current) continue;
      if (state.current !== current) [current, since] = [state.current, Date.now()];
      const child = client.workflow.getHandle(resourceWorkflowId(run.process, run.source, state.current));
      const progress = await liveProgress(child).catch(() => undefined);
      if (progress && !stop) printer.print(formatProgress(state.current, progress, Date.now() - since), false, progress);
    }
  })();
  try {
    return await result;
  } finally {
    stop = true;
    await poll;
    printer.end();
  }
}
