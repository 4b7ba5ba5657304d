/**
 * The one answer to "does this destination hold what the MLS has?", given the MLS's count and a
 * destination's, each with the time it was taken. `resync status` and the dashboard both ask
 * here, so they cannot disagree about the same two numbers.
 *
 * Two counts say something only when they describe the same moment: a count taken before a run
 * ended describes the table before that run's upserts or deletes (after a sync, an old MLS count
 * against a new row count reads as "too many"; after a purge, an old row count reads as "in
 * step"). Such a pair is "not comparable" — never a false alarm, never a false all-clear.
 * Pure: no I/O, so the dashboard's web app may show its words as they are.
 */

export interface DatedCount {
  count: number | null;
  /** ISO 8601, when the count was taken; null when it never was. */
  countedAt: string | null;
}

export type CountVerdict =
  | { state: 'in-step'; text: string }
  | { state: 'missing'; difference: number; text: string }
  | { state: 'too-many'; difference: number; text: string }
  | { state: 'not-comparable'; text: string }
  | { state: 'unknown'; text: string };

/**
 * Counts taken further apart than this are not compared: the dashboard keeps an MLS count for at
 * most 5 minutes (its requests count against the platform's limits) and a row count for 30 s.
 */
export const MAX_COUNT_SKEW_MS = 6 * 60_000;

export interface CompareOptions {
  /** When the newest run of this resource (any process) ended: counts older than it are stale. */
  lastRunEndedAt?: string | null;
  maxSkewMs?: number;
}

const n = (v: number) => v.toLocaleString('en-US');

export function compareCounts(mls: DatedCount, destination: DatedCount, opts: CompareOptions = {}): CountVerdict {
  if (mls.count === null || destination.count === null) return { state: 'unknown', text: '' };
  const mlsAt = mls.countedAt ? Date.parse(mls.countedAt) : NaN;
  const destAt = destination.countedAt ? Date.parse(destination.countedAt) : NaN;
  if (Number.isFinite(mlsAt) && Number.isFinite(destAt)) {
    const ended = opts.lastRunEndedAt ? Date.parse(opts.lastRunEndedAt) : NaN;
    if (Number.isFinite(ended) && ended > Math.min(mlsAt, destAt)) {
      const which =
        mlsAt < ended && destAt < ended ? 'both were counted' : mlsAt < ended ? 'the MLS was counted' : 'the destination was counted';
      return { state: 'not-comparable', text: `recounting: ${which} before the last run ended` };
    }
    const skew = Math.abs(mlsAt - destAt);
    if (skew > (opts.maxSkewMs ?? MAX_COUNT_SKEW_MS)) {
      return { state: 'not-comparable', text: `not compared: counted ${Math.round(skew / 60_000)} min apart` };
    }
  }
  const gap = mls.count - destination.count;
  if (gap === 0) return { state: 'in-step', text: 'in step' };
  if (gap > 0) return { state: 'missing', difference: gap, text: `missing ${n(gap)}` };
  return { state: 'too-many', difference: -gap, text: `too many ${n(-gap)}` };
}

/** The newest of some ISO times (run ends), or null. */
export function latest(times: (string | null | undefined)[]): string | null {
  let best: string | null = null;
  for (const t of times) if (t && (best === null || Date.parse(t) > Date.parse(best))) best = t;
  return best;
}
