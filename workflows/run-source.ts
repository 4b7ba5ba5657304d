/**
 * runSource: the scheduled entry point. Runs one process over every resource of a source, in
 * config order, as child workflows with the fixed IDs `<process>/<source>/<resource>` — so a
 * scheduled and a manual run of the same resource can never overlap. A resource already running
 * (a manual run) is reported as skipped rather than started twice; a failing resource does not
 * stop the others, but fails the run at the end with every failure named.
 */
import {
  ApplicationFailure,
  ChildWorkflowFailure,
  defineQuery,
  executeChild,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { NON_RETRYABLE_ERRORS, RESOURCE_WORKFLOW_TYPES, resourceWorkflowId, SEARCH_ATTRIBUTES, type ProcessName } from './names';
import type { RunSourceInput, RunSourceResult, ResourceOutcome } from './types';
import { FAILURE_POLICY_OPTIONS, sourceRunOptions } from './activity-options';

export const runSourceProgressQuery = defineQuery<{ current: string | null; outcomes: ResourceOutcome[] }>('runSourceProgress');

const { listResources, recordSourceRun } = proxyActivities<ReturnType<typeof createActivities>>(sourceRunOptions(NON_RETRYABLE_ERRORS));
// Few attempts: the policy only reports on the run; it must not hold the run's end for long.
const { applyFailurePolicy } = proxyActivities<ReturnType<typeof createActivities>>(FAILURE_POLICY_OPTIONS);

export async function runSource(input: RunSourceInput): Promise<RunSourceResult> {
  const { source, process } = input;
  const info = workflowInfo();
  const startedAt = new Date(info.startTime).toISOString();
  const outcomes: ResourceOutcome[] = [];
  let current: string | null = null;
  setHandler(runSourceProgressQuery, () => ({ current, outcomes }));

  const resources = input.resources ?? (await listResources({ source }));
  await recordSourceRun({ runId: info.runId, workflowId: info.workflowId, source, process, startedAt, outcome: 'running', outcomes });

  for (const resource of resources) {
    current = resource;
    outcomes.push(await runOne(source, process, resource, info.runId));
  }
  current = null;

  const failed = outcomes.filter((o) => o.outcome === 'failed');
  const outcome = failed.length ? 'failed' : 'succeeded';
  await recordSourceRun({ runId: info.runId, workflowId: info.workflowId, source, process, startedAt, outcome, outcomes });
  // Pause the schedule and alert after repeated failures, or send the recovery; never fails the run.
  await applyFailurePolicy({ source, process, runId: info.runId, workflowId: info.workflowId, outcome, outcomes }).catch(() => undefined);
  if (failed.length) {
    throw ApplicationFailure.create({
      type: 'ResourceRunsFailed',
      nonRetryable: true,
      message: `${process} of ${source} failed for ${failed.map((f) => `${f.resource} (${f.error})`).join('; ')}`,
    });
  }
  return { source, process, outcomes };
}

async function runOne(source: string, process: ProcessName, resource: string, parentRunId: string): Promise<ResourceOutcome> {
  const workflowId = resourceWorkflowId(process, source, resource);
  try {
    await executeChild(RESOURCE_WORKFLOW_TYPES[process], {
      workflowId,
      args: [{ source, resource, parentRunId }],
      staticSummary: `${process} ${source}/${resource}`,
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.source, value: source },
        { key: SEARCH_ATTRIBUTES.resource, value: resource },
        { key: SEARCH_ATTRIBUTES.process, value: process },
        { key: SEARCH_ATTRIBUTES.records, value: 0 },
      ],
    });
    return { resource, workflowId, outcome: 'succeeded' };
  } catch (err) {
    // Matched by name: the class is not re-exported by @temporalio/workflow.
    if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') {
      // A manual run of this resource is going on and does the work: never start a second one.
      return { resource, workflowId, outcome: 'skipped', error: 'already running' };
    }
    const cause = err instanceof ChildWorkflowFailure ? innermost(err) : (err as Error).message;
    return { resource, workflowId, outcome: 'failed', error: cause };
  }
}

function innermost(err: Error): string {
  let current: unknown = err;
  while (current && typeof current === 'object' && 'cause' in current && (current as { cause?: unknown }).cause) {
    current = (current as { cause: unknown }).cause;
  }
  return current instanceof Error ? current.message : String(current);
}
