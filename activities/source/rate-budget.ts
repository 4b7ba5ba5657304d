/**
 * Per-source request budgets kept in the control database, so that every process (sync, purge,
 * reconcile) and every worker of a source draws from one budget, and a restarted worker still
 * knows the hour's and the day's usage. Each request takes a slot atomically (one transaction that
 * locks the source's row), measured on the database's clock so workers with skewed clocks agree.
 * A 429 or a quota header at zero writes a cool-down every worker honours.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { RateLimits } from './platforms';
import { SourceRateLimited } from './errors';

/** What the HTTP client needs from a limiter (implemented in memory and in the control DB). */
export interface RequestBudget {
  acquire(signal?: AbortSignal): Promise<void>;
  recordBytes(n: number): void;
  coolDown(ms: number): void;
  observeHeaders(headers: Record<string, string | string[] | undefined>): void;
}

const WINDOWS: { key: 'perSecond' | 'perMinute' | 'perHour' | 'perDay'; ms: number; label: string }[] = [
  { key: 'perSecond', ms: 1_000, label: 'second' },
  { key: 'perMinute', ms: 60_000, label: 'minute' },
  { key: 'perHour', ms: 3_600_000, label: 'hour' },
  { key: 'perDay', ms: 86_400_000, label: 'day' },
];

/**
 * Short windows get a safety margin: a slot is taken slightly before the request leaves, and the
 * MLS measures arrival on its own clock.
 */
const MARGIN = 0.05;

/** Waits longer than this go back to Temporal as a retry delay instead of holding the activity. */
export const MAX_IN_PROCESS_WAIT_MS = 10_000;

const KIND_REQUEST = 0;
const KIND_BYTES = 1;

export interface BudgetUsage {
  window: string;
  limit: number;
  used: number;
}

export class DbRequestBudget implements RequestBudget {
  private pendingWrites: Promise<unknown> = Promise.resolve();

  constructor(
    /** The control DB's pool, opened lazily (the stats store owns it). */
    private readonly pool: () => Promise<Pool>,
    readonly source: string,
    private readonly limits: RateLimits,
  ) {}

  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = await this.tryTake();
      if (wait === 0) return;
      if (wait > MAX_IN_PROCESS_WAIT_MS) {
        throw new SourceRateLimited(`${this.source}: request budget exhausted; next request allowed in ${Math.ceil(wait / 1000)} s`, wait);
      }
      // Cancellable: an activity being cancelled stops waiting at once.
      await sleep(wait, undefined, signal ? { signal } : undefined);
    }
  }

  /** Takes a slot and returns 0, or returns how long to wait (taking nothing). */
  private async tryTake(): Promise<number> {
    if (!this.hasLimits()) {
      // No budget to count against: only a shared cool-down (after a 429) can hold us back.
      const [rows] = await (
        await this.pool()
      ).query<RowDataPacket[]>(
        'SELECT GREATEST(0, TIMESTAMPDIFF(MICROSECOND, NOW(3), cool_until)) / 1000 AS wait FROM resync_rate_state WHERE source = ?',
        [this.source],
      );
      return Math.ceil(Number(rows[0]?.wait ?? 0));
    }
    const conn = await (await this.pool()).getConnection();
    try {
      await conn.query('INSERT IGNORE INTO resync_rate_state (source) VALUES (?)', [this.source]);
      await conn.beginTransaction();
      const [[state]] = await conn.query<RowDataPacket[]>(
        'SELECT cool_until, NOW(3) AS now FROM resync_rate_state WHERE source = ? FOR UPDATE',
        [this.source],
      );
      const now = toMs(String(state!.now));
      let wait = state!.cool_until ? Math.max(0, toMs(String(state!.cool_until)) - now) : 0;
      for (const w of WINDOWS) {
        const limit = this.limits[w.key];
        if (limit === undefined) continue;
        const span = w.ms <= 60_000 ? Math.round(w.ms * (1 + MARGIN)) : w.ms;
        // The limit-th newest request in the window: the window frees up when it leaves.
        const [rows] = await conn.query<RowDataPacket[]>(
          `SELECT at FROM resync_rate_events WHERE source = ? AND kind = ${KIND_REQUEST} AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?`,
          [this.source, toSql(now - span), Math.max(0, Math.floor(limit) - 1)],
        );
        if (rows[0]) wait = Math.max(wait, toMs(String(rows[0].at)) + span - now);
      }
      if (this.limits.bytesPerHour !== undefined) {
        const [[bytes]] = await conn.query<RowDataPacket[]>(
          `SELECT COALESCE(SUM(amount), 0) AS used, MIN(at) AS oldest FROM resync_rate_events WHERE source = ? AND kind = ${KIND_BYTES} AND at > ?`,
          [this.source, toSql(now - 3_600_000)],
        );
        if (Number(bytes!.used) >= this.limits.bytesPerHour && bytes!.oldest) {
          wait = Math.max(wait, toMs(String(bytes!.oldest)) + 3_600_000 - now);
        }
      }
      if (wait <= 0) {
        await conn.query(`INSERT INTO resync_rate_events (source, kind, amount, at) VALUES (?, ${KIND_REQUEST}, 1, ?)`, [
          this.source,
          toSql(now),
        ]);
        // Now and then, forget what no window can see any more.
        if (Math.random() < 0.01) {
          await conn.query('DELETE FROM resync_rate_events WHERE source = ? AND at < ? LIMIT 10000', [
            this.source,
            toSql(now - 90_000_000),
          ]);
        }
        wait = 0;
      }
      await conn.commit();
      return Math.ceil(wait);
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw err;
    } finally {
      conn.release();
    }
  }

  private hasLimits(): boolean {
    return WINDOWS.some((w) => this.limits[w.key] !== undefined) || this.limits.bytesPerHour !== undefined;
  }

  recordBytes(n: number): void {
    if (this.limits.bytesPerHour === undefined || n <= 0) return;
    // Not awaited by the request path; flush() waits for these in tests and on shutdown.
    this.pendingWrites = this.pendingWrites.then(async () =>
      (await this.pool())
        .query(`INSERT INTO resync_rate_events (source, kind, amount, at) VALUES (?, ${KIND_BYTES}, ?, NOW(3))`, [this.source, n])
        .catch(() => undefined),
    );
  }

  coolDown(ms: number): void {
    this.pendingWrites = this.pendingWrites.then(async () =>
      (await this.pool())
        .query(
          'INSERT INTO resync_rate_state (source, cool_until) VALUES (?, NOW(3) + INTERVAL ? MICROSECOND) ' +
            'ON DUPLICATE KEY UPDATE cool_until = GREATEST(COALESCE(cool_until, NOW(3)), VALUES(cool_until))',
          [this.source, Math.round(ms * 1000)],
        )
        .catch(() => undefined),
    );
  }

  observeHeaders(headers: Record<string, string | string[] | undefined>): void {
    const delay = quotaExhaustedDelay(headers, Date.now());
    if (delay !== undefined) this.coolDown(delay);
  }

  async flush(): Promise<void> {
    await this.pendingWrites;
  }

  /** Usage against each configured budget, for `resync status` and the dashboard. */
  async usage(): Promise<BudgetUsage[]> {
    const out: BudgetUsage[] = [];
    for (const w of WINDOWS) {
      const limit = this.limits[w.key];
      if (limit === undefined) continue;
      const [[row]] = await (
        await this.pool()
      ).query<RowDataPacket[]>(
        `SELECT COUNT(*) AS used FROM resync_rate_events WHERE source = ? AND kind = ${KIND_REQUEST} AND at > NOW(3) - INTERVAL ? MICROSECOND`,
        [this.source, w.ms * 1000],
      );
      out.push({ window: w.label, limit, used: Number(row!.used) });
    }
    if (this.limits.bytesPerHour !== undefined) {
      const [[row]] = await (
        await this.pool()
      ).query<RowDataPacket[]>(
        `SELECT COALESCE(SUM(amount), 0) AS used FROM resync_rate_events WHERE source = ? AND kind = ${KIND_BYTES} AND at > NOW(3) - INTERVAL 1 HOUR`,
        [this.source],
      );
      out.push({ window: 'bytes/hour', limit: this.limits.bytesPerHour, used: Number(row!.used) });
    }
    return out;
  }
}

/**
 * Quota headers (Trestle `*-Quota-*`, Bridge `Burst-RateLimit-*`, and the common
 * `X-RateLimit-*`): when a "remaining" header says 0, how long until its "reset".
 */
export function quotaExhaustedDelay(headers: Record<string, string | string[] | undefined>, now: number): number | undefined {
  let delay: number | undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string' || !/remaining$/i.test(name) || Number(value) > 0) continue;
    const prefix = name.replace(/remaining$/i, '').toLowerCase();
    const reset = Object.entries(headers).find(([n]) => n.toLowerCase().startsWith(prefix) && /reset/i.test(n))?.[1];
    const d = resetDelayMs(typeof reset === 'string' ? reset : undefined, now);
    delay = Math.max(delay ?? 0, d);
  }
  return delay;
}

function resetDelayMs(reset: string | undefined, now: number): number {
  if (!reset) return 60_000;
  const n = Number(reset);
  if (Number.isFinite(n)) {
    // Seconds to wait, or an epoch in seconds or milliseconds.
    if (n > 1e12) return Math.max(0, n - now);
    if (n > 1e9) return Math.max(0, n * 1000 - now);
    return n * 1000;
  }
  const date = Date.parse(reset);
  return Number.isNaN(date) ? 60_000 : Math.max(0, date - now);
}

/** `YYYY-MM-DD HH:MM:SS.fff` (the session is UTC) ↔ epoch milliseconds. */
function toMs(sqlDatetime: string): number {
  return Date.parse(`${sqlDatetime.replace(' ', 'T')}Z`);
}

function toSql(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
