/**
 * syncResource: incremental replication of one resource of one source.
 * The story: prepare (schema, high-water mark, fixed upper bound) → download and upsert pages in
 * chunks until the window is exhausted → record the run. Continues-as-new when history grows.
 */
import {
  type ActivityOptions,
  ApplicationFailure,
  ContinueAsNew,
  continueAsNew,
  defineQuery,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { NON_RETRYABLE_ERRORS, SEARCH_ATTRIBUTES } from './names';
import { chunkOptions, FINISH_LOCAL_OPTIONS, FINISH_OPTIONS, prepareOptions } from './activity-options';
import { committedBeforeFailure } from './chunk-failure';
import { mediaStep } from './media';
import type { MediaTotals } from './media-types';
import { addTotals, emptyTotals, type SyncCarry, type SyncInput, type SyncProgress, type SyncTotals, type SyncTuning } from './types';

/** Like SyncCarry, but before the first page the cursor may be unknown (an empty destination). */
type RunState = Omit<SyncCarry, 'cursor'> & { cursor: SyncCarry['cursor'] | null };

export const progressQuery = defineQuery<SyncProgress>('progress');

const PREPARE_OPTIONS = prepareOptions(NON_RETRYABLE_ERRORS);

const PAGES_OPTIONS = chunkOptions(NON_RETRYABLE_ERRORS);

/** The chunk options with the input's retry tuning (tests use a small budget). */
function pagesOptions(tuning: SyncTuning | undefined): ActivityOptions {
  const t = tuning?.chunkRetry;
  if (!t) return PAGES_OPTIONS;
  return {
    ...PAGES_OPTIONS,
    retry: {
      ...PAGES_OPTIONS.retry,
      ...(t.maximumAttempts !== undefined ? { maximumAttempts: t.maximumAttempts } : {}),
      ...(t.initialIntervalMs !== undefined ? { initialInterval: t.initialIntervalMs } : {}),
      ...(t.maximumIntervalMs !== undefined ? { maximumInterval: t.maximumIntervalMs } : {}),
    },
  };
}

type Activities = ReturnType<typeof createActivities>;
const { prepareSync } = proxyActivities<Activities>(PREPARE_OPTIONS);
const { syncPages } = proxyActivities<Activities>(PAGES_OPTIONS);
const { finishRun } = proxyActivities<Activities>(FINISH_OPTIONS);
const { finishRun: finishRunLocally } = proxyLocalActivities<Activities>(FINISH_LOCAL_OPTIONS);

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
  let chunks = 0;
  let media: MediaTotals | null = null;
  let emptyWindow = false;

  /** The run's row in the stats, whatever the outcome. */
  const recordRun = (outcome: 'succeeded' | 'failed', error?: string) =>
    // Local: the run closes in the task that records it. Histories from before ran it as an activity.
    (patched('finish-run-local') ? finishRunLocally : finishRun)({
      runId,
      ...(input.parentRunId ? { parentRunId: input.parentRunId } : {}),
      source,
      resource,
      process: 'sync',
      workflowId: info.workflowId,
      startedAt: state?.startedAt ?? progress.startedAt ?? new Date(info.startTime).toISOString(),
      outcome,
      ...(error ? { error } : {}),
      totals: state?.totals ?? emptyTotals(),
      expectedTotal: state?.expectedTotal ?? progress.expectedTotal,
      highWaterMark: state?.cursor?.timestamp ?? null,
      ...(media ? { media } : {}),
    });

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
        ...(prepared.mediaFiles !== undefined ? { mediaFiles: prepared.mediaFiles } : {}),
      };
      progress.startedAt = prepared.startedAt;
      progress.expectedTotal = prepared.expectedTotal;
      // The MLS counted nothing in the window: there is no page to read. (Histories recorded before
      // this check read the empty page; the marker keeps them replaying as they ran.)
      emptyWindow = prepared.expectedTotal === 0 && patched('empty-window-reads-no-page');
    }
    progress.phase = 'downloading';

    while (!emptyWindow) {
      const from = state.cursor ? `${state.cursor.timestamp} ${state.cursor.key}`.trim() : 'the beginning';
      const chunk = await syncPages.executeWithOptions(
        { ...pagesOptions(input.tuning), summary: `pages of ${source}/${resource} after ${from}, up to ${state.upperBound}` },
        [
          {
            source,
            resource,
            runId,
            upperBound: state.upperBound,
            cursor: state.cursor,
            nextLink: state.nextLink ?? null,
            ...(input.tuning?.chunkBudgetMs !== undefined ? { chunkBudgetMs: input.tuning.chunkBudgetMs } : {}),
          },
        ],
      );
      state.totals = addTotals(state.totals, chunk.totals);
      state.cursor = chunk.cursor;
      state.nextLink = chunk.nextLink;
      progress.pages = state.totals.pages;
      progress.records = state.totals.downloaded;
      progress.cursor = state.cursor;
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.records, value: state.totals.upserted }]);
      if (chunk.done) break;
      if (chunk.interrupted) {
        // The chunk failed after committing pages: the next one starts afresh, with a fresh retry budget.
        progress.interruptions = (progress.interruptions ?? 0) + 1;
        progress.lastInterruption = chunk.interrupted.error;
        log.warn('chunk interrupted after committing pages; continuing', { source, resource, error: chunk.interrupted.error });
        if (chunk.interrupted.retryAfterMs) await sleep(chunk.interrupted.retryAfterMs);
      }
      chunks += 1;
      // History stays small: start afresh when Temporal suggests it, or after many chunks.
      if ((workflowInfo().continueAsNewSuggested || chunks >= (input.tuning?.chunksPerRun ?? 1000)) && state.cursor) {
        await continueAsNew<typeof syncResource>({ ...input, carry: { ...state, cursor: state.cursor } });
      }
    }

    // The pages are committed: the media files of their Media rows follow (when configured).
    media = await mediaStep('sync', source, resource, runId, state.mediaFiles);
    progress.phase = 'finishing';
    await recordRun('succeeded');
    progress.phase = 'done';
    return { runId, ...state.totals };
  } catch (err) {
    // continueAsNew works by throwing; it is not a failure.
    if (err instanceof ContinueAsNew) throw err;
    // The failed chunk's committed pages count too: the run's record says what it wrote.
    const committed = state ? committedBeforeFailure(err, 'syncPages') : undefined;
    if (state && committed) {
      state.totals = addTotals(state.totals, committed.totals);
      state.cursor = committed.cursor ?? state.cursor;
    }
    progress.phase = 'failed';
    await recordRun('failed', describeFailure(err));
    throw err;
  }
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
