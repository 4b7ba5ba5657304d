/** Starting purge and reconcile runs from tests, the way a schedule or the CLI would. */
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { Config } from '../../config';
import type { KeyProcess, KeyRunResult } from '../../workflows/key-types';
import type { SyncTuning } from '../../workflows/types';
import { resourceWorkflowId, SEARCH_ATTRIBUTES } from '../../workflows/names';
import { temporalClient } from './stack';

export async function startKeyRun(
  client: Client,
  config: Config,
  process: KeyProcess,
  source = 'sim',
  resource = 'Property',
  tuning?: SyncTuning,
): Promise<WorkflowHandleWithFirstExecutionRunId<(input: { source: string; resource: string }) => Promise<KeyRunResult>>> {
  return client.workflow.start(process === 'purge' ? 'purgeResource' : 'reconcileResource', {
    taskQueue: config.temporal.taskQueue,
    workflowId: resourceWorkflowId(process, source, resource),
    args: [{ source, resource, ...(tuning ? { tuning } : {}) }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.source, value: source },
      { key: SEARCH_ATTRIBUTES.resource, value: resource },
      { key: SEARCH_ATTRIBUTES.process, value: process },
      { key: SEARCH_ATTRIBUTES.records, value: 0 },
    ],
  });
}

/** Runs one purge or reconcile to its end; a failure comes back as the innermost message and type. */
export async function runKeyProcess(
  config: Config,
  process: KeyProcess,
  opts: { source?: string; resource?: string; tuning?: SyncTuning } = {},
): Promise<{
  result?: KeyRunResult;
  failure?: { type: string | undefined; message: string };
  searchRecords: number | undefined;
  /** The run went on in a new workflow run (continue-as-new). */
  continued: boolean;
}> {
  const client = await temporalClient(config);
  try {
    const handle = await startKeyRun(client, config, process, opts.source, opts.resource, opts.tuning);
    try {
      const result = await handle.result();
      const description = await client.workflow.getHandle(handle.workflowId).describe();
      return {
        result,
        searchRecords: description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.records),
        continued: description.runId !== handle.firstExecutionRunId,
      };
    } catch (err) {
      let inner: unknown = err;
      while (inner && typeof inner === 'object' && 'cause' in inner && (inner as { cause?: unknown }).cause)
        inner = (inner as { cause: unknown }).cause;
      const failure = inner as { type?: string; message: string };
      return { failure: { type: failure.type, message: failure.message }, searchRecords: undefined, continued: false };
    }
  } finally {
    await client.connection.close();
  }
}
