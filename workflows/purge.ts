/**
 * purgeResource: deletes destination rows whose key the MLS no longer has, children with their
 * parents. The story: download every key into staging → refuse unless the key set is complete →
 * compare it with every destination → refuse if any would lose more than the limits allow →
 * delete in batches → record the run. The staging is removed whatever happens. Nothing is deleted
 * before the key set is complete and verified and every guard has passed, and a retried batch
 * deletes nothing twice.
 */
import type { KeyRunInput, KeyRunResult } from './key-types';
import { CHUNK_OPTIONS, chunkActivities, KeyRun } from './key-run';
import { deletionRefusal, keySetRefusal } from './purge-guards';
import { mediaStep } from './media';

export { keyRunProgressQuery as purgeProgressQuery } from './key-run';

export async function purgeResource(input: KeyRunInput): Promise<KeyRunResult> {
  const run = new KeyRun('purge', input);
  return run.execute(async () => {
    await run.downloadKeys();
    const keySetProblem = keySetRefusal(await run.verifyKeys());
    if (keySetProblem) run.refuse(keySetProblem);
    // Beyond maxDeletes the run refuses anyway: the rest is counted, not listed.
    await run.compareDestinations(run.state.limits.maxDeletes);
    const tooMany = deletionRefusal(input.resource, run.state.outcomes, run.state.limits);
    if (tooMany) run.refuse(tooMany);
    await deleteExtraRows(run);
    // The rows are gone: so go their media files (when the resource keeps any).
    const media = await mediaStep('purge', input.source, input.resource, run.state.runId);
    if (media) run.state.media = media;
  });
}

/** Each destination's listed keys, in batches, a chunk at a time. */
async function deleteExtraRows(run: KeyRun): Promise<void> {
  const s = run.state;
  const { source, resource } = run.input;
  while (s.step === 'act') {
    const destination = s.destinations[s.current];
    if (destination === undefined) {
      s.step = 'done';
      break;
    }
    run.setPhase('deleting', destination);
    const chunk = await chunkActivities.deleteKeys.executeWithOptions(
      { ...CHUNK_OPTIONS, summary: `delete from ${destination} the ${resource} rows ${source} no longer has` },
      [
        {
          source,
          resource,
          runId: s.runId,
          destination,
          upperBound: s.upperBound,
          after: s.actAfter,
          batchSize: s.limits.deleteBatchSize,
          ...run.budget(),
        },
      ],
    );
    s.actAfter = chunk.after;
    s.outcomes[destination]!.deleted = chunk.deleted;
    if (chunk.done) {
      s.current += 1;
      s.actAfter = null;
    }
    run.refreshProgress();
    await run.checkpoint();
  }
}
