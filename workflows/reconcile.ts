/**
 * reconcileResource: finds records missing from a destination or stale there (a cursor timestamp
 * that differs at the destination's precision) and writes them again. The story: download every
 * key and timestamp into staging → compare with every destination → fetch the differences by key
 * and upsert them to every destination → record the run. The staging is removed whatever happens.
 * Reconcile never deletes; a short key download only means less is found, so it warns and goes on.
 */
import type { KeyRunInput, KeyRunResult } from './key-types';
import { CHUNK_OPTIONS, chunkActivities, KeyRun } from './key-run';
import { mediaStep } from './media';

export { keyRunProgressQuery as reconcileProgressQuery } from './key-run';

export async function reconcileResource(input: KeyRunInput): Promise<KeyRunResult> {
  const run = new KeyRun('reconcile', input);
  return run.execute(async () => {
    await run.downloadKeys();
    const verified = await run.verifyKeys();
    if (verified.problem) run.warn(`${verified.problem}; records missing from the download cannot be found missing`);
    await run.compareDestinations(null);
    await fetchDifferences(run);
    // Files missing from the store or not matching their checksum are fetched again (when kept).
    const media = await mediaStep('reconcile', input.source, input.resource, run.state.runId);
    if (media) run.state.media = media;
  });
}

/** The missing and stale keys of all destinations, fetched once and written to every destination. */
async function fetchDifferences(run: KeyRun): Promise<void> {
  const s = run.state;
  const { source, resource } = run.input;
  while (s.step === 'act') {
    run.setPhase('fetching');
    const chunk = await chunkActivities.fetchKeys.executeWithOptions(
      { ...CHUNK_OPTIONS, summary: `fetch the missing and stale ${resource} records of ${source} again` },
      [{ source, resource, runId: s.runId, after: s.actAfter, totals: s.fetch, ...run.budget() }],
    );
    s.actAfter = chunk.after;
    s.fetch = chunk.totals;
    for (const [name, t] of Object.entries(chunk.totals.byDestination)) {
      const outcome = s.outcomes[name];
      if (outcome) Object.assign(outcome, { upserted: t.upserted, rejected: t.rejected });
    }
    if (chunk.done) s.step = 'done';
    run.refreshProgress();
    await run.checkpoint();
  }
}
