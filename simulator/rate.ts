/**
 * A platform's request budget as the server sees it: sliding windows per second, minute, hour
 * and day over request arrival times. Sliding windows are the strictest reading of "N per
 * minute", so a client that passes here passes a fixed-window server too. Refused requests are
 * not counted, so a client that backs off as told can carry on.
 *
 * Arrival is measured in JavaScript, and in tests the simulator shares its event loop with the
 * client: a busy loop can note one request late and the next on time. Windows of a second or a
 * minute therefore get a little slack (SLACK_MS) — far too little to let a client without a
 * limiter through, enough not to blame one for the simulator's own stalls.
 */
import type { RateLimits, RateUsage } from './personalities/types';

const WINDOW_MS: Record<keyof RateLimits, number> = {
  perSecond: 1_000,
  perMinute: 60_000,
  perHour: 3_600_000,
  perDay: 86_400_000,
};

const SLACK_MS = 100;

export type BudgetDecision =
  { ok: true; usage: RateUsage } | { ok: false; retryAfterMs: number; usage: RateUsage; window: keyof RateLimits };

export class RequestBudget {
  private readonly windows: { key: keyof RateLimits; limit: number; ms: number; times: number[]; head: number }[];

  constructor(
    readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.windows = (Object.keys(WINDOW_MS) as (keyof RateLimits)[])
      .filter((key) => limits[key] !== undefined)
      .map((key) => ({
        key,
        limit: limits[key] as number,
        ms: WINDOW_MS[key] <= 60_000 ? WINDOW_MS[key] - SLACK_MS : WINDOW_MS[key],
        times: [],
        head: 0,
      }));
  }

  get active(): boolean {
    return this.windows.length > 0;
  }

  /** Counts one request if every window has room; otherwise says how long until one has. */
  take(): BudgetDecision {
    const now = this.now();
    for (const w of this.windows) {
      // A moving head instead of shift(): a day window holds tens of thousands of entries.
      while (w.head < w.times.length && (w.times[w.head] as number) <= now - w.ms) w.head++;
      if (w.head > 4096 && w.head * 2 > w.times.length) {
        w.times = w.times.slice(w.head);
        w.head = 0;
      }
    }
    const full = this.windows.find((w) => w.times.length - w.head >= w.limit);
    if (full) {
      // The request that frees a slot is the one `limit` places from the end.
      const freeing = full.times[full.times.length - full.limit] as number;
      return { ok: false, retryAfterMs: Math.max(1, freeing + full.ms - now), usage: this.usage(now), window: full.key };
    }
    for (const w of this.windows) w.times.push(now);
    return { ok: true, usage: this.usage(now) };
  }

  /** The windows' state without counting a request. */
  peek(): RateUsage {
    return this.usage(this.now());
  }

  private usage(now: number): RateUsage {
    const used: RateUsage['used'] = {};
    const resetMs: RateUsage['resetMs'] = {};
    for (const w of this.windows) {
      used[w.key] = w.times.length - w.head;
      const oldest = w.times[w.head];
      resetMs[w.key] = oldest === undefined ? w.ms : Math.max(0, oldest + w.ms - now);
    }
    return { limits: this.limits, used, resetMs, now };
  }
}
