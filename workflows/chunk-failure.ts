/**
 * What a failed chunk had committed before it failed, read from its failure: the details a failing
 * syncPages attaches (activities/sync.ts), or the last heartbeat of an attempt that timed out (a
 * worker that died on the last attempt). A failed run's record then counts the rows it wrote.
 * Pure: imported by workflow files.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { SyncCursor } from '../activities/destinations/destination';
import type { ChunkFailureDetails, SyncTotals } from './types';

export function committedBeforeFailure(err: unknown, activityType: string): ChunkFailureDetails | undefined {
  const failed = failedActivityDetails(err);
  return failed?.activityType === activityType && isChunkDetails(failed.details) ? failed.details : undefined;
}

/**
 * The activity a failure came from and the details it carried: those attached to its failure, or the
 * last heartbeat of an attempt that timed out. Unchecked: the caller validates the shape it expects.
 */
export function failedActivityDetails(err: unknown): { activityType: string; details: unknown } | undefined {
  if (!(err instanceof ActivityFailure)) return undefined;
  const cause = err.cause;
  let details: unknown;
  if (cause instanceof ApplicationFailure) details = cause.details?.[0];
  else if (cause instanceof TimeoutFailure) details = cause.lastHeartbeatDetails;
  return details === undefined || details === null ? undefined : { activityType: err.activityType, details };
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
