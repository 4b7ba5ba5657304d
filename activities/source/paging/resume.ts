/**
 * Where an incremental sync starts. The destination's newest timestamp T is shared by every record
 * modified in the same instant — tens of thousands after a bulk change — and reading T again on
 * every run downloads all of them each time. Reading past T risks the other direction: a record
 * that reaches the MLS later with timestamp T (replication lag on the MLS's side) would be skipped.
 *
 * So T is checked by count (docs/decisions.md, "Resume after the tie only when nothing moved"):
 * the run starts after T — after (T, greatest key) where the platform orders by key, after T
 * otherwise — only when the MLS has exactly as many live records in T as the destination holds
 * there *and* none after T. The second count matters: a record that left T (modified since) would
 * make room in the first count for one that reached T late. When either count says otherwise, or the
 * platform cannot count, T is read again in full; once anything changed, the next run's high-water
 * mark is past T, so a large tie is read again at most once.
 */
import type { Logger } from 'pino';
import type { SyncCursor } from '../../destinations/destination';
import type { HighWaterTie } from '../../destinations/destination';
import type { HttpClient } from '../http';
import { countUrl, tieCountUrl, type RequestTarget } from '../requests';

export interface ResumePoint {
  cursor: SyncCursor | null;
  /** `@odata.count` of the run's window when the check already asked it (0: nothing after the tie). */
  expectedTotal?: number;
  /** The counts behind the decision, when asked. */
  check?: { timestamp: string; stored: number; atMls: number | null; after: number | null; skipped: boolean };
}

export async function resumeAfterTie(
  target: RequestTarget,
  http: Pick<HttpClient, 'getCollection'>,
  tie: HighWaterTie | null,
  opts: { upperBound: string; signal?: AbortSignal; log?: Logger },
): Promise<ResumePoint> {
  if (!tie) return { cursor: null };
  const inclusive = { timestamp: tie.timestamp, key: '' };
  if (!target.src.platform.supportsCount) return { cursor: inclusive };
  const count = async (url: string) => (await http.getCollection(url, opts.signal)).count;
  const strict = { timestamp: tie.timestamp, key: tie.greatestKey };
  // Both asked at once (a no-change run is mostly round trips); the second only counts when the first
  // matches. The window the run would read after T is not live-only: a deletion notice after T is a
  // change too.
  const [atMls, afterTie] = await Promise.all([
    count(tieCountUrl(target, tie)),
    count(countUrl(target, { window: { from: strict, upperBound: opts.upperBound }, liveOnly: false })),
  ]);
  const after = atMls === tie.rows ? afterTie : null;
  const skipped = after === 0;
  const check = { timestamp: tie.timestamp, stored: tie.rows, atMls, after, skipped };
  if (!skipped) {
    opts.log?.debug(check, 'reading the records at the high-water timestamp again');
    return { cursor: inclusive, check };
  }
  opts.log?.debug(check, 'every record at the high-water timestamp is held and nothing is newer: resuming after it');
  return { cursor: strict, expectedTotal: 0, check };
}
