/**
 * syncResource: incremental replication of one resource of one source.
 * The story: prepare (schema, high-water mark, fixed upper bound) → download and upsert pages in
 * chunks until the window is exhausted → record the run. Continues-as-new when history grows.
 */
import {
  type ActivityOptions,
  ApplicationFailure,
  continueAsNew,
  defineQuery,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { NON_RETRYABLE_ERRORS, SEARCH_ATTRIBUTES } from './names';
import {
  addTotals,
  emptyTotals,
  type SyncCarry,
  type SyncInput,
  type SyncProgress,
  type SyncTotals,
} from './types';

/** Like SyncCarry, but before the first page the cursor may be unknown (an empty destination). */
type RunState = Omit<SyncCarry, 'cursor'> & { cursor: SyncCarry['cursor'] | null };

export const progressQuery = defineQuery<SyncProgress>('progress');

const PREPARE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  // A database or MLS that is down for minutes fails the run (and the next schedule tries again).
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
};

const PAGES_OPTIONS: ActivityOptions = {
  // A chunk returns after its own time budget (see activities/sync.ts); this is the safety net.
  startToCloseTimeout: '15 minutes',
  // A dead worker is noticed within this; the retry resumes from the last heartbeated cursor.
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
};

const FINISH_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumAttempts: 10 },
};

type Activities = ReturnType<typeof createActivities>;
const { prepareSync } = proxyActivities<Activities>(PREPARE_OPTIONS);
const { syncPages } = proxyActivities<Activities>(PAGES_OPTIONS);
const { finishRun } = proxyActivities<Activities>(FINISH_OPTIONS);

export async function syncResource(input: SyncInput): Promise<SyncTotals & { runId: string }> {
  const { source, resource } = input;
  const info = workflowInfo();
  const progress: SyncProgress = {
    phase: 'preparing',
    source,
    resource,
    startedAt: input.carry?.startedAt ?? null,
    pages: input.carry?.totals.pages ?? 0,
    records: input.carry?.totals.downloaded ?? 0,
    expectedTotal: input.carry?.expectedTotal ?? null,
    cursor: input.carry?.cursor ?? null,
  };
  setHandler(progressQuery, () => progress);

  // The stats row is keyed by the first run of the chain, so continue-as-new keeps one row.
  const runId = input.carry?.runId ?? info.firstExecutionRunId;
  let state: RunState | undefined;

  try {
    if (input.carry) {
      state = input.carry;
    } else {
      const prepared = await prepareSync.executeWithOptions(
        { ...PREPARE_OPTIONS, summary: `schema, high-water mark and window for ${source}/${resource}` },
        [{ source, resource, runId, workflowId: info.workflowId, ...(input.parentRunId ? { parentRunId: input.parentRunId } : {}) }],
      );
      state = {
        runId,
        startedAt: prepared.startedAt,
        upperBound: prepared.upperBound,
        cursor: prepared.cursor,
        expectedTotal: prepared.expectedTotal,
        totals: emptyTotals(),
      };
      progress.startedAt = prepared.startedAt;
      progress.expectedTotal = prepared.expectedTotal;
    }
    progress.phase = 'downloading';

    for (;;) {
      const from = state.cursor ? `${state.cursor.timestamp} ${state.cursor.key}`.trim() : 'the beginning';
      const chunk = await syncPages.executeWithOptions(
        { ...PAGES_OPTIONS, summary: `pages of ${source}/${resource} after ${from}, up to ${state.upperBound}` },
        [{ source, resource, runId, upperBound: state.upperBound, cursor: state.cursor, nextLink: state.nextLink ?? null }],
      );
      state.totals = addTotals(state.totals, chunk.totals);
      state.cursor = chunk.cursor;
      state.nextLink = chunk.nextLink;
      progress.pages = state.totals.pages;
      progress.records = state.totals.downloaded;
      progress.cursor = state.cursor;
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.records, value: state.totals.upserted }]);
      if (chunk.done) break;
      if (workflowInfo().continueAsNewSuggested && state.cursor) {
        await continueAsNew<typeof syncResource>({ ...input, carry: { ...state, cursor: state.cursor } });
      }
    }

    progress.phase = 'finishing';
    await finishRun({
      runId,
      ...(input.parentRunId ? { parentRunId: input.parentRunId } : {}),
      source,
      resource,
      process: 'sync',
      workflowId: info.workflowId,
      startedAt: state.startedAt,
      outcome: 'succeeded',
      totals: state.totals,
      expectedTotal: state.expectedTotal,
      highWaterMark: state.cursor?.timestamp ?? null,
    });
    progress.phase = 'done';
    return { runId, ...state.totals };
  } catch (err) {
    // continueAsNew works by throwing; it is not a failure.
    if (isContinueAsNew(err)) throw err;
    progress.phase = 'failed';
    await finishRun({
      runId,
      ...(input.parentRunId ? { parentRunId: input.parentRunId } : {}),
      source,
      resource,
      process: 'sync',
      workflowId: info.workflowId,
      startedAt: progress.startedAt ?? new Date(info.startTime).toISOString(),
      outcome: 'failed',
      error: describeFailure(err),
      totals: state?.totals ?? emptyTotals(),
      expectedTotal: progress.expectedTotal,
      highWaterMark: progress.cursor?.timestamp ?? null,
    });
    throw err;
  }
}

function isContinueAsNew(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: string }).name === 'ContinueAsNew';
}

/** The innermost cause is the one a person can act on ("activity task failed" is not). */
function describeFailure(err: unknown): string {
  let current: unknown = err;
  while (current && typeof current === 'object' && 'cause' in current && (current as { cause?: unknown }).cause) {
    current = (current as { cause: unknown }).cause;
  }
  if (current instanceof ApplicationFailure && current.type) return `${current.type}: ${current.message}`;
  return current instanceof Error ? current.message : String(current);
}
