/**
 * What a failed chunk had committed before it failed, read from its failure: the details a failing
 * syncPages attaches (activities/sync.ts), or the last heartbeat of an attempt that timed out (a
 * worker that died on the last attempt). A failed run's record then counts the rows it wrote.
 * Pure: imported by workflow files.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { ChunkFailureDetails, SyncCursor, SyncTotals } from './types';

export function committedBeforeFailure(err: unknown, activityType: string): ChunkFailureDetails | undefined {
  if (!(err instanceof ActivityFailure) || err.activityType !== activityType) return undefined;
  const cause = err.cause;
  let details: unknown;
  if (cause instanceof ApplicationFailure) details = cause.details?.[0];
  else if (cause instanceof TimeoutFailure) details = cause.lastHeartbeatDetails;
  return isChunkDetails(details) ? details : undefined;
}

function isChunkDetails(value: unknown): value is ChunkFailureDetails {
  if (!value || typeof value !== 'object') return false;
  const { totals, cursor } = value as { totals?: Partial<SyncTotals>; cursor?: SyncCursor | null };
  return (
    typeof totals === 'object' &&
    totals !== null &&
    typeof totals.pages === 'number' &&
    typeof totals.downloaded === 'number' &&
    typeof totals.upserted === 'number' &&
    (cursor === null || (typeof cursor === 'object' && typeof cursor.timestamp === 'string'))
  );
}
