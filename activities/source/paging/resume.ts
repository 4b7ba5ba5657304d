/**
 * Where an incremental sync starts. The destination's newest timestamp T is shared by every record
 * modified in the same instant — tens of thousands after a bulk change — and reading T again on
 * every run downloads all of them each time. Reading past T risks the other direction: a record
 * that reaches the MLS later with timestamp T (replication lag on the MLS's side) would be skipped.
 *
 * So T is checked by count (docs/decisions.md, "Resume after the tie only when the counts agree"):
 * when the MLS has exactly as many live records in T as the destination holds there, everything at
 * T is held and the run starts after it — after (T, greatest key) where the platform orders by key,
 * after T otherwise. When the counts differ (or cannot be asked), T is read again in full.
 */
import type { Logger } from 'pino';
import type { SyncCursor } from '../../../workflows/types';
import type { HighWaterTie } from '../../destinations/destination';
import type { HttpClient } from '../http';
import { tieCountUrl, type RequestTarget } from '../requests';

export interface ResumePoint {
  cursor: SyncCursor | null;
  /** The count check, when one was made. */
  tie?: { timestamp: string; stored: number; atMls: number | null; skipped: boolean };
}

export async function resumeAfterTie(
  target: RequestTarget,
  http: Pick<HttpClient, 'getCollection'>,
  tie: HighWaterTie | null,
  opts: { signal?: AbortSignal; log?: Logger } = {},
): Promise<ResumePoint> {
  if (!tie) return { cursor: null };
  const inclusive = { timestamp: tie.timestamp, key: '' };
  if (!target.src.platform.supportsCount) return { cursor: inclusive };
  const atMls = (await http.getCollection(tieCountUrl(target, tie), opts.signal)).count;
  const skipped = atMls === tie.rows;
  const check = { timestamp: tie.timestamp, stored: tie.rows, atMls, skipped };
  if (!skipped) {
    opts.log?.info(check, 'the MLS and the destination differ at the high-water timestamp: reading it again');
    return { cursor: inclusive, tie: check };
  }
  opts.log?.debug(check, 'every record at the high-water timestamp is held: resuming after it');
  return { cursor: { timestamp: tie.timestamp, key: tie.greatestKey }, tie: check };
}
