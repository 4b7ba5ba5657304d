/**
 * syncMediaFiles: keeps a resource's media files in step with its Media rows, after a sync, purge
 * or reconcile of the resource has committed them. The story: remove the files whose Media row is
 * gone → (reconcile) check the stored files against their checksums → download every Media row
 * without a stored file of its timestamp. Each step walks the keys in order, a chunk at a time;
 * continues-as-new when history grows. Started by the process workflows through mediaStep().
 */
import { continueAsNew, defineQuery, executeChild, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { chunkOptions, sourceRunOptions } from './activity-options';
import { mediaWorkflowId, NON_RETRYABLE_ERRORS, type ProcessName } from './names';
import { addMediaTotals, emptyMediaTotals, type MediaFilesInput, type MediaStep, type MediaTotals } from './media-types';

type Activities = ReturnType<typeof createActivities>;
const CHUNK = chunkOptions(NON_RETRYABLE_ERRORS);
const { removeOrphanMedia, verifyMediaFiles, downloadMediaFiles } = proxyActivities<Activities>(CHUNK);
const { mediaEnabled } = proxyActivities<Activities>(sourceRunOptions(NON_RETRYABLE_ERRORS));

export interface MediaProgress {
  step: MediaStep;
  after: string | null;
  totals: MediaTotals;
}

export const mediaProgressQuery = defineQuery<MediaProgress>('mediaProgress');

/** Chunks per workflow run before continuing as new, besides Temporal's own suggestion. */
const CHUNKS_PER_RUN = 500;

export async function syncMediaFiles(input: MediaFilesInput): Promise<MediaTotals> {
  const { source, resource, process } = input;
  const steps: MediaStep[] =
    process === 'purge'
      ? ['orphans', 'done']
      : process === 'reconcile'
        ? ['orphans', 'verify', 'download', 'done']
        : ['orphans', 'download', 'done'];
  const state: MediaProgress = input.carry ? { ...input.carry } : { step: steps[0]!, after: null, totals: emptyMediaTotals() };
  setHandler(mediaProgressQuery, () => state);
  const activity = { orphans: removeOrphanMedia, verify: verifyMediaFiles, download: downloadMediaFiles };
  const what = { orphans: 'remove files of deleted Media rows', verify: 'check stored files', download: 'download new and changed files' };
  let chunks = 0;
  while (state.step !== 'done') {
    const step = state.step;
    const chunk = await activity[step].executeWithOptions({ ...CHUNK, summary: `${what[step]} of ${source}/${resource}` }, [
      { source, resource, after: state.after },
    ]);
    state.totals = addMediaTotals(state.totals, chunk.totals);
    state.after = chunk.after;
    if (chunk.done) {
      state.step = steps[steps.indexOf(step) + 1] ?? 'done';
      state.after = null;
    }
    chunks += 1;
    if (state.step !== 'done' && (workflowInfo().continueAsNewSuggested || chunks >= CHUNKS_PER_RUN)) {
      await continueAsNew<typeof syncMediaFiles>({ ...input, carry: { ...state } });
    }
  }
  return state.totals;
}

/**
 * The media step of a process run: when the resource downloads media files, runs syncMediaFiles
 * as a child and returns its totals; null when it does not. Histories recorded before this step
 * existed replay without it (the patch marker).
 */
export async function mediaStep(
  process: ProcessName,
  source: string,
  resource: string,
  parentRunId: string,
  /** Already known from an earlier activity of the run (sync's prepare); otherwise asked. */
  enabled?: boolean,
): Promise<MediaTotals | null> {
  if (!patched('media-files')) return null;
  // Histories recorded before the answer came with prepare asked mediaEnabled: the marker keeps them.
  const known = enabled !== undefined && patched('media-enabled-known');
  if (!(known ? enabled : await mediaEnabled({ source, resource }))) return null;
  return executeChild(syncMediaFiles, {
    workflowId: mediaWorkflowId(process, source, resource),
    args: [{ source, resource, process, parentRunId }],
    staticSummary: `media files of ${source}/${resource} after ${process}`,
  });
}
