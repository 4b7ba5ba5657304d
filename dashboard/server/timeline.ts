/**
 * The Schedules timeline: every coming run of every schedule in a window, each drawn as long as
 * that schedule's runs usually take, and the overlaps that matter. Only two kinds do: a schedule
 * running into its own next run (overlap SKIP drops that run), and two processes of one source at
 * once (they share the source's MLS rate limits and request budget, so both slow down, and a
 * purge or reconcile compares a table a sync is still writing). Runs of different sources use
 * different MLSs and limits: their coinciding is harmless and not listed.
 */
import type { ScheduleInfo, TimelineBar, TimelineResponse } from './api-types';
import { cronTimes } from './cron-times';

/** A schedule that has never finished a run is drawn this long, and marked as a guess. */
export const ASSUMED_DURATION_MS = 60_000;
const MAX_BARS_PER_SCHEDULE = 1000;
const MAX_OVERLAPS = 500;

/** Why an overlap of `a` with `b` (both of one source) matters, in a sentence. */
function overlapReason(a: string, b: string, source: string): string {
  if (a === b) return 'runs into its own next run: overlap Skip drops that run';
  return `both run at once against ${source}'s MLS: they share its rate limits`;
}

export function buildTimeline(schedules: ScheduleInfo[], from: Date, to: Date): TimelineResponse {
  const bars: (TimelineBar & { source: string; startMs: number; endMs: number })[] = [];
  for (const s of schedules) {
    if (!s.exists || s.paused) continue;
    let starts: Date[];
    try {
      starts = s.cron ? cronTimes(s.cron, s.timeZone ?? 'UTC', from, to, MAX_BARS_PER_SCHEDULE) : [];
    } catch {
      starts = [];
    }
    // A schedule made by hand has no cron in the config: Temporal's next times are what there is.
    if (!s.cron) starts = s.nextRuns.map((t) => new Date(t)).filter((d) => d >= from && d < to);
    const duration = s.typicalDurationMs ?? ASSUMED_DURATION_MS;
    for (const start of starts) {
      const startMs = start.getTime();
      const endMs = startMs + Math.max(duration, 1000);
      bars.push({
        scheduleId: s.scheduleId,
        source: s.source,
        start: start.toISOString(),
        end: new Date(endMs).toISOString(),
        estimated: s.typicalDurationMs === null,
        overlaps: [],
        startMs,
        endMs,
      });
    }
  }
  bars.sort((a, b) => a.startMs - b.startMs);
  const overlaps: TimelineResponse['overlaps'] = [];
  for (let i = 0; i < bars.length; i++) {
    const a = bars[i]!;
    for (let j = i + 1; j < bars.length && bars[j]!.startMs < a.endMs; j++) {
      const b = bars[j]!;
      if (a.source !== b.source) continue;
      if (!a.overlaps.includes(b.scheduleId)) a.overlaps.push(b.scheduleId);
      if (!b.overlaps.includes(a.scheduleId)) b.overlaps.push(a.scheduleId);
      if (overlaps.length < MAX_OVERLAPS) {
        overlaps.push({
          a: a.scheduleId,
          b: b.scheduleId,
          start: b.start,
          end: new Date(Math.min(a.endMs, b.endMs)).toISOString(),
          kind: a.scheduleId === b.scheduleId ? 'own-next-run' : 'same-source',
          reason: overlapReason(a.scheduleId, b.scheduleId, a.source),
        });
      }
    }
  }
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    bars: bars.map(({ source: _s, startMs: _a, endMs: _b, ...bar }) => bar),
    overlaps,
  };
}
