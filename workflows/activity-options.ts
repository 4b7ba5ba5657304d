/**
 * Every activity option of every workflow, in one place, so retry and timeout policies cannot drift
 * apart and one test can check them all. Pure: imported by workflow files.
 *
 * The rule: a worker that dies must be noticed within seconds, not at the end of a long
 * start-to-close. So an activity either ends within a minute (a short start-to-close), or it
 * heartbeats and has a heartbeat timeout of HEARTBEAT_TIMEOUT (its start-to-close is only a safety
 * net against an activity that heartbeats but never ends).
 */
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/** A running activity heartbeats at least every few seconds; this much silence means its worker is gone. */
export const HEARTBEAT_TIMEOUT = '20 seconds';

/** The longest start-to-close an activity may have without heartbeats. */
export const SHORT_ACTIVITY_LIMIT_MS = 60_000;

/**
 * Preparing a run (metadata, schema migrations, counts, the staged-key count): may take minutes on a
 * big table, so it heartbeats while it works. A database or MLS down for minutes fails the run.
 */
export function prepareOptions(nonRetryableErrorTypes: string[]): ActivityOptions {
  return {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes },
  };
}

/** A chunk of pages: it returns after its own time budget; this is the safety net. */
export function chunkOptions(nonRetryableErrorTypes: string[]): ActivityOptions {
  return {
    startToCloseTimeout: '15 minutes',
    // A dead worker is noticed within this; the retry resumes from the last heartbeat.
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes },
  };
}

/** Recording a run's end (counts the destination's rows, which can take a while on a big table). */
export const FINISH_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1s', maximumAttempts: 10 },
};

/**
 * Recording a sync run's end as a local activity: it runs in the worker that holds the workflow's
 * task, which then closes the run in the same task (a no-change sync is mostly such round trips).
 * A worker that dies is noticed by the task's own timeout; a count that takes longer than that keeps
 * the task alive, as the SDK does for local activities.
 */
export const FINISH_LOCAL_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: FINISH_OPTIONS.startToCloseTimeout!,
  retry: FINISH_OPTIONS.retry!,
};

/** Removing staging rows: batches of deletes, a heartbeat between batches. */
export const CLEANUP_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
};

/** runSource's bookkeeping (listing resources, the source run's row): a few quick queries. */
export function sourceRunOptions(nonRetryableErrorTypes: string[]): ActivityOptions {
  return {
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1s', maximumAttempts: 10, nonRetryableErrorTypes },
  };
}

/**
 * The failure policy (pause a schedule, send alerts): few attempts, since it only reports on the
 * run and must not hold the run's end for long. Several slow alert deliveries may add up, so it
 * heartbeats rather than racing a short start-to-close.
 */
export const FAILURE_POLICY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '2s', maximumAttempts: 3 },
};
