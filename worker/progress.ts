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
  /** Attempt of the activity in flight (> 1 means it is being retried), its type and its last failure. */
  attempt: number;
  activity: string | null;
  lastFailure: string | null;
}

/** A failure message this long is enough to act on; MLS URLs in it can run to kilobytes. */
const FAILURE_CHARS = 300;

export async function liveProgress(handle: WorkflowHandle): Promise<LiveProgress | undefined> {
  const [progress, description] = await Promise.all([
    handle.query(progressQuery).catch(() => undefined),
    handle.describe().catch(() => undefined),
  ]);
  if (!progress) return undefined;
  const activities = description?.raw.pendingActivities ?? [];
  // The chunk in flight: its heartbeat carries the pages it committed so far.
  const pages = activities.find((a) => a.activityType?.name === 'syncPages');
  // Whatever is running (prepare, a chunk, finishing): a retry of any of them is worth showing.
  const pending = activities.find((a) => (a.attempt ?? 0) > 1) ?? activities[0];
  const payload = pages?.heartbeatDetails?.payloads?.[0];
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
    activity: pending?.activityType?.name ?? null,
    lastFailure: describeLastFailure(pending?.lastFailure),
  };
}

/** `<type>: <message>` of an activity's last failure, the type being the one retry policies match on. */
function describeLastFailure(
  failure: { message?: string | null; applicationFailureInfo?: { type?: string | null } | null } | null | undefined,
) {
  if (!failure?.message) return null;
  const type = failure.applicationFailureInfo?.type;
  const text = type ? `${type}: ${failure.message}` : failure.message;
  return text.length > FAILURE_CHARS ? `${text.slice(0, FAILURE_CHARS)}…` : text;
}
