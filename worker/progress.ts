/**
 * Live progress of a running resource workflow. The workflow's `progress` query knows the totals
 * of finished chunks; the chunk in flight reports its own through heartbeat details, which
 * describe() exposes. Together they move with every committed page. Used by the CLI and the
 * dashboard.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery } from '../workflows/sync';
import type { SyncProgress, SyncTotals } from '../workflows/types';

export interface LiveProgress extends SyncProgress {
  /** Attempt of the chunk in flight (> 1 means it is being retried) and its last failure. */
  attempt: number;
  lastFailure: string | null;
}

export async function liveProgress(handle: WorkflowHandle): Promise<LiveProgress | undefined> {
  const [progress, description] = await Promise.all([
    handle.query(progressQuery).catch(() => undefined),
    handle.describe().catch(() => undefined),
  ]);
  if (!progress) return undefined;
  const pending = description?.raw.pendingActivities?.find((a) => a.activityType?.name === 'syncPages');
  const payload = pending?.heartbeatDetails?.payloads?.[0];
  let inFlight: { totals?: SyncTotals } | undefined;
  if (payload) {
    try {
      inFlight = defaultPayloadConverter.fromPayload(payload);
    } catch {
      inFlight = undefined; // progress is best-effort; an odd payload must not break the CLI
    }
  }
  return {
    ...progress,
    pages: progress.pages + (inFlight?.totals?.pages ?? 0),
    records: progress.records + (inFlight?.totals?.downloaded ?? 0),
    attempt: pending?.attempt ?? 0,
    lastFailure: pending?.lastFailure?.message ?? null,
  };
}
