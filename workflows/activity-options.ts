/**
 * Activity options shared by the resource workflows (sync, purge, reconcile), so their retry and
 * timeout policies cannot drift apart. Pure: imported by workflow files.
 */
import type { ActivityOptions } from '@temporalio/workflow';

/** Preparing a run (metadata, schema, counts): a database or MLS down for minutes fails the run. */
export function prepareOptions(nonRetryableErrorTypes: string[]): ActivityOptions {
  return {
    startToCloseTimeout: '10 minutes',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes },
  };
}

/** A chunk of pages: it returns after its own time budget; this is the safety net. */
export function chunkOptions(nonRetryableErrorTypes: string[]): ActivityOptions {
  return {
    startToCloseTimeout: '15 minutes',
    // A dead worker is noticed within this; the retry resumes from the last heartbeat.
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes },
  };
}
