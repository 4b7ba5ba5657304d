/**
 * `resync sync <source>`: the sync flavour of resource-runs.ts, kept under its old names for the
 * commands and tests that use them.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Config } from '../../config';
import type { syncResource } from '../../workflows/sync';
import type { LiveProgress } from '../progress';
import { startResourceRun, waitForResourceRun, type ResourceRunOutcome } from './resource-runs';

export { resourcesToRun, formatProgress, describeOutcome } from './resource-runs';

export type SyncOutcome = ResourceRunOutcome<Awaited<ReturnType<typeof syncResource>>>;

export async function startSync(
  client: Client,
  config: Config,
  source: string,
  resource: string,
): Promise<WorkflowHandle<typeof syncResource>> {
  return (await startResourceRun(client, config, 'sync', source, resource)) as unknown as WorkflowHandle<typeof syncResource>;
}

export async function waitForSync(
  handle: WorkflowHandle<typeof syncResource>,
  resource: string,
  print: (line: string, final: boolean, progress?: LiveProgress) => void,
): Promise<SyncOutcome> {
  return waitForResourceRun(handle, resource, print);
}
