/**
 * Keeps requests of one source far enough apart *as the MLS sees them*. The request budget takes
 * a slot a moment before a request leaves; a busy event loop, a token fetch or a slow database
 * commit can hold one request back while the next goes out at once, and the MLS, which counts
 * arrivals, then sees three requests in "2 per second". Here the time a request was actually
 * written to the socket is remembered, and the next one waits until the short windows hold
 * measured that way (plus a small allowance for network jitter). Waits are short: the budget has
 * already paced the requests; this only corrects for what happened between slot and socket.
 */
import type { RateLimits } from './platforms';

/** Allowance for the difference in network latency between two requests. */
const JITTER_MS = 50;

const SHORT_WINDOWS: { key: 'perSecond' | 'perMinute'; ms: number }[] = [
  { key: 'perSecond', ms: 1_000 },
  { key: 'perMinute', ms: 60_000 },
];

export interface SentSlot {
  /** The request left at `at` (ms since the epoch); without a time, it counts as leaving now. */
  sent(at?: number): void;
}

export class SendSpacing {
  private readonly windows: { limit: number; ms: number }[];
  /** Recent requests in reservation order; `at` is NaN until the request has been written. */
  private slots: { at: number }[] = [];

  constructor(
    limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.windows = SHORT_WINDOWS.filter((w) => limits[w.key] !== undefined && limits[w.key]! > 0).map((w) => {
      const limit = limits[w.key]!;
      // 0.5 per second is one request per two seconds; 1.5 per second is held to 1.
      return limit < 1 ? { limit: 1, ms: w.ms / limit } : { limit: Math.floor(limit), ms: w.ms };
    });
  }

  /** Waits until one more request may leave, then holds its place until `sent` is called. */
  async reserve(signal?: AbortSignal): Promise<SentSlot> {
    if (this.windows.length === 0) return { sent: () => undefined };
    for (;;) {
      const wait = this.delay();
      if (wait <= 0) break;
      await sleep(wait, signal);
    }
    const slot = { at: Number.NaN };
    this.slots.push(slot);
    return {
      sent: (at) => {
        slot.at = at ?? this.now();
      },
    };
  }

  private delay(): number {
    const now = this.now();
    const longest = Math.max(...this.windows.map((w) => w.ms));
    // Forget what no window can see any more; requests not yet written are kept.
    const keepFrom = this.slots.findIndex((s) => Number.isNaN(s.at) || s.at > now - longest - JITTER_MS);
    this.slots = keepFrom < 0 ? [] : this.slots.slice(keepFrom);
    // Write times can finish out of reservation order when requests overlap.
    const times = this.slots.map((s) => (Number.isNaN(s.at) ? now : s.at)).sort((a, b) => a - b);
    let wait = 0;
    for (const w of this.windows) {
      if (times.length < w.limit) continue;
      const at = times[times.length - w.limit] as number;
      wait = Math.max(wait, at + w.ms + JITTER_MS - now);
    }
    return wait;
  }
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
