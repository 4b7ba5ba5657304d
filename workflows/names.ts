/**
 * Every name that Temporal sees — task queue, workflow IDs, search attribute keys — is built here,
 * so the worker, the CLI, schedules and the dashboard can never disagree about one.
 * Pure code: imported by workflow files as well as by Node-side code.
 */
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';

export const TASK_QUEUE = 'resync';

export const PROCESSES = ['sync', 'purge', 'reconcile'] as const;
export type ProcessName = (typeof PROCESSES)[number];

/** One workflow per (process, source, resource): a manual and a scheduled run can never overlap. */
export function resourceWorkflowId(process: ProcessName, source: string, resource: string): string {
  return `${process}/${source}/${resource}`;
}

/** Workflow type that runs a process on one resource (the child runSource starts). */
export const RESOURCE_WORKFLOW_TYPES: Record<ProcessName, string> = {
  sync: 'syncResource',
  purge: 'purgeResource',
  reconcile: 'reconcileResource',
};

/** The media file step of a process run on one resource (a child of that run). */
export function mediaWorkflowId(process: ProcessName, source: string, resource: string): string {
  return `media/${process}/${source}/${resource}`;
}

/** One schedule per source and process. */
export function scheduleId(source: string, process: ProcessName): string {
  return `resync:${source}:${process}`;
}

/** Base workflow ID of a scheduled runSource; Temporal appends the scheduled time to it. */
export function runSourceWorkflowId(source: string, process: ProcessName): string {
  return `run/${source}/${process}`;
}

/**
 * ID of a runSource started by hand (the dashboard's "run now" for some resources) rather than by its
 * schedule. Scheduled runs get the schedule's time appended to runSourceWorkflowId; this suffix keeps
 * a manual run apart from those, and a second click while it runs finds it instead of starting another.
 */
export function manualRunWorkflowId(source: string, process: ProcessName): string {
  return `${runSourceWorkflowId(source, process)}-manual`;
}

/**
 * Memo key that marks a schedule as made by `resync schedules apply`: only those are ever paused
 * for having left the config, so schedules a person made by hand are left alone.
 */
export const SCHEDULE_MEMO_KEY = 'resync';

// Plain objects rather than defineSearchAttributeKey(): that helper is not re-exported by
// @temporalio/workflow, and workflow files may import nothing else at runtime.
export const SEARCH_ATTRIBUTES = {
  source: { name: 'ResyncSource', type: 'KEYWORD' } as SearchAttributeKey<'KEYWORD'>,
  resource: { name: 'ResyncResource', type: 'KEYWORD' } as SearchAttributeKey<'KEYWORD'>,
  process: { name: 'ResyncProcess', type: 'KEYWORD' } as SearchAttributeKey<'KEYWORD'>,
  records: { name: 'ResyncRecords', type: 'INT' } as SearchAttributeKey<'INT'>,
} as const;

/**
 * Activity failure types (error class names) that a retry cannot fix: the workflow fails at once
 * with the reason instead of burning quota on retries.
 */
export const NON_RETRYABLE_ERRORS = [
  'SourceRequestRejected',
  'SourceAuthFailed',
  'UnknownConfigEntry',
  'InvalidIdentifier',
  'MetadataError',
  'ResourceUnusable',
  'MediaUnsupported',
];
