// The arithmetic of the run charts, kept apart from the SVG so it can be tested: axis ticks at
// round values, a time axis that leaves room for the first and last bar, and which runs a series
// draws. Pure: no DOM, no React.
import type { ChartPoint } from '../../server/api-types';

export interface Ticks {
  /** The top of the axis: the last tick, at or above the largest value. */
  max: number;
  ticks: number[];
}

/** The smallest 1, 2 or 5 × 10^n at or above `raw` (and at least `floor`). */
export function niceStep(raw: number, floor = 0): number {
  const wanted = Math.max(raw, floor, Number.MIN_VALUE);
  const magnitude = 10 ** Math.floor(Math.log10(wanted));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= wanted * (1 - 1e-12)) return m * magnitude;
  return 10 * magnitude;
}

function ticksOf(step: number, max: number): Ticks {
  const top = Math.max(step, Math.ceil(max / step - 1e-9) * step);
  const ticks: number[] = [];
  // Integer multiples, so 0.1 + 0.2 never shows up as 0.30000000000000004.
  for (let i = 0; i * step <= top + step / 1e6; i++) ticks.push(Number((i * step).toPrecision(12)));
  return { max: ticks.at(-1)!, ticks };
}

/** Ticks for counts: 0 and steps of 1, 2 or 5 × 10^n, never a fraction of a record, about `target` of them. */
export function countTicks(max: number, target = 4): Ticks {
  if (!(max > 0)) return { max: 1, ticks: [0, 1] };
  return ticksOf(niceStep(max / target, 1), max);
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Steps a clock reads easily; below a second, 1/2/5 × 10^n milliseconds. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30]
  .map((s) => s * SECOND)
  .concat(
    [1, 2, 5, 10, 15, 30].map((m) => m * MINUTE),
    [1, 2, 3, 6, 12, 24].map((h) => h * HOUR),
  );

/** Ticks for durations (ms): 0 and round clock steps (10 s, 1 min, 15 min, 1 h …), about `target` of them. */
export function durationTicks(maxMs: number, target = 4): Ticks {
  if (!(maxMs > 0)) return { max: SECOND, ticks: [0, SECOND] };
  const raw = maxMs / target;
  const step = raw < SECOND ? niceStep(raw, 1) : (TIME_STEPS.find((s) => s >= raw) ?? niceStep(raw / HOUR) * HOUR);
  return ticksOf(step, maxMs);
}

/**
 * A time axis over [t0, t1] onto [left, left + width], inset by `inset` on both sides so a bar
 * centred on the first or last run stays inside the plot. One run sits in the middle.
 */
export function timeScale(t0: number, t1: number, left: number, width: number, inset: number): (t: number) => number {
  if (t1 <= t0) return () => left + width / 2;
  const inner = Math.max(0, width - 2 * inset);
  return (t) => left + inset + ((t - t0) / (t1 - t0)) * inner;
}

/**
 * Records a run downloaded, for the "records per sync" chart: syncs only. A purge or reconcile
 * downloads keys (every key the MLS has), which are not records and would dwarf the syncs.
 */
export function syncRecords(p: ChartPoint): number | null {
  return p.process === 'sync' ? p.downloaded : null;
}
