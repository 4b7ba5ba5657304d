/**
 * Per-source request budgets inside one worker: sliding windows per second, minute, hour and day,
 * plus bytes per hour, shared by every activity of the source. A 429 or a quota header saying
 * "nothing left" puts the whole source into a cool-down, so one refusal cannot become many.
 * (Budgets shared across workers and restarts are the control-DB limiter's job.)
 */
import type { RateLimits } from './platforms';
import { SourceRateLimited } from './errors';

const WINDOWS: { key: keyof RateLimits; ms: number }[] = [
  { key: 'perSecond', ms: 1_000 },
  { key: 'perMinute', ms: 60_000 },
  { key: 'perHour', ms: 3_600_000 },
  { key: 'perDay', ms: 86_400_000 },
];

/** Waits longer than this are handed back to Temporal as a retry delay instead of blocking the activity. */
export const MAX_IN_PROCESS_WAIT_MS = 10_000;

export class RateLimiter {
  private readonly windows: { limit: number; ms: number; times: number[] }[];
  private readonly bytes: { t: number; n: number }[] = [];
  private coolUntil = 0;

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.windows = WINDOWS.filter((w) => limits[w.key] !== undefined).map((w) => ({ limit: limits[w.key]!, ms: w.ms, times: [] }));
  }

  /** Milliseconds until one more request is allowed (0: now). */
  delay(): number {
    const now = this.now();
    let wait = Math.max(0, this.coolUntil - now);
    for (const w of this.windows) {
      while (w.times.length && w.times[0]! <= now - w.ms) w.times.shift();
      if (w.times.length >= w.limit) wait = Math.max(wait, w.times[w.times.length - w.limit]! + w.ms - now);
    }
    if (this.limits.bytesPerHour !== undefined) {
      while (this.bytes.length && this.bytes[0]!.t <= now - 3_600_000) this.bytes.shift();
      let used = this.bytes.reduce((s, b) => s + b.n, 0);
      for (const b of this.bytes) {
        if (used < this.limits.bytesPerHour) break;
        used -= b.n;
        wait = Math.max(wait, b.t + 3_600_000 - now);
      }
    }
    return wait;
  }

  /** Waits for a slot (short waits) or throws SourceRateLimited with the delay (long ones). */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.delay();
      if (wait === 0) {
        const now = this.now();
        for (const w of this.windows) w.times.push(now);
        return;
      }
      if (wait > MAX_IN_PROCESS_WAIT_MS) {
        throw new SourceRateLimited(`request budget exhausted; next request allowed in ${Math.ceil(wait / 1000)} s`, wait);
      }
      await sleep(wait, signal);
    }
  }

  recordBytes(n: number): void {
    if (this.limits.bytesPerHour !== undefined) this.bytes.push({ t: this.now(), n });
  }

  /** After a 429 (or a quota header at zero): nobody asks again before `ms` have passed. */
  coolDown(ms: number): void {
    this.coolUntil = Math.max(this.coolUntil, this.now() + ms);
  }

  /**
   * Quota headers (Trestle `*-Quota-*`, Bridge `Burst-RateLimit-*`): when one says nothing is
   * left, cool down until its reset.
   */
  observeHeaders(headers: Record<string, string | string[] | undefined>): void {
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value !== 'string' || !/remaining$/i.test(name) || Number(value) > 0) continue;
      const prefix = name.replace(/remaining$/i, '');
      const reset = Object.entries(headers).find(([n]) => n.toLowerCase().startsWith(prefix.toLowerCase()) && /reset/i.test(n))?.[1];
      this.coolDown(resetDelayMs(typeof reset === 'string' ? reset : undefined, this.now()));
    }
  }
}

function resetDelayMs(reset: string | undefined, now: number): number {
  if (!reset) return 60_000;
  const n = Number(reset);
  if (Number.isFinite(n)) {
    // Seconds to wait, or an epoch in seconds/milliseconds.
    if (n > 1e12) return Math.max(0, n - now);
    if (n > 1e9) return Math.max(0, n * 1000 - now);
    return n * 1000;
  }
  const date = Date.parse(reset);
  return Number.isNaN(date) ? 60_000 : Math.max(0, date - now);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
