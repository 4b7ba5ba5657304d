/**
 * Purge's deletes: the keys the comparison listed for one destination, in batches in key order,
 * each with its purgeWithParent children (the destination's deleteRecords). Before a batch goes,
 * the keys still present (and not rewritten since the run began) are marked in staging, so the
 * deleted count stays exact when a crash makes a batch run twice; deleting twice removes nothing.
 */
import { activityInfo, heartbeat } from '@temporalio/activity';
import type { Runtime } from '../runtime';
import type { DeleteKeysInput, DeleteKeysResult } from '../../workflows/key-types';
import { toActivityFailure } from '../activity-wrappers';
import { CHUNK_BUDGET_MS, destinationNamed, keepAlive, keyContext, keyMappingOf } from './context';
import { keyFromSortKey } from './order';
import { countExisted, markExisted, readDiffs, touchRun } from './staging';

export async function deleteKeysChunk(runtime: Runtime, input: DeleteKeysInput): Promise<DeleteKeysResult> {
  const ctx = await keyContext(runtime, input, 'purge');
  const dest = destinationNamed(runtime, input.source, input.destination);
  const mapping = keyMappingOf(runtime, input.destination);
  const resumed = activityInfo().heartbeatDetails as { after: string | null } | undefined;
  const state = { after: resumed ? resumed.after : input.after };
  await touchRun(ctx.pool, input.runId);
  const deadline = Date.now() + (input.chunkBudgetMs ?? CHUNK_BUDGET_MS);
  const alive = keepAlive(() => state);
  let done = false;
  try {
    while (!done) {
      const batch = await readDiffs(ctx.pool, input.runId, input.destination, state.after, input.batchSize);
      if (batch.length > 0) {
        const mlsKeys = batch.map((k) => keyFromSortKey(k, ctx.numeric));
        const stored = mapping ? mlsKeys.map((k) => mapping.toDestination(k, ctx.resource.resource)) : mlsKeys;
        const present = new Set(await dest.keysNotAfter(ctx.resource, stored, input.upperBound));
        const doomed = batch.filter((_, i) => present.has(stored[i]!));
        await markExisted(ctx.pool, input.runId, input.destination, doomed);
        await dest.deleteRecords(
          ctx.resource,
          mlsKeys.filter((_, i) => present.has(stored[i]!)),
        );
        state.after = batch[batch.length - 1]!;
        heartbeat(state);
        ctx.log.debug({ destination: input.destination, batch: batch.length, deleted: doomed.length }, 'delete batch committed');
      }
      done = batch.length < input.batchSize;
      if (!done && Date.now() > deadline) break;
    }
  } catch (err) {
    // The rows deleted so far go with the failure, so a failed purge records them: only the batches
    // whose delete committed (the failing batch was already marked).
    const deleted = await countExisted(ctx.pool, input.runId, input.destination, state.after).catch(() => undefined);
    throw toActivityFailure(err, { ...state, ...(deleted !== undefined ? { deleted } : {}) });
  } finally {
    alive.stop();
  }
  // Every delete of the run is sent: destinations that batch visibility (Solr) make it durable now.
  if (done) await dest.finish?.(ctx.resource);
  const deleted = await countExisted(ctx.pool, input.runId, input.destination);
  if (done) ctx.log.info({ destination: input.destination, deleted }, 'purge deletes complete');
  return { after: state.after, done, deleted };
}
