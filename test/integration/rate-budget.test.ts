/**
 * Request budgets in the control DB: shared by every limiter of a source (two workers, two
 * processes), kept across restarts, and a 429's cool-down applies to all of them.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withDatabase } from '../../config';
import { DbRequestBudget, quotaExhaustedDelay } from '../../activities/source/rate-budget';
import { SourceRateLimited } from '../../activities/source/errors';
import { StatsStore } from '../../activities/stats/store';
import { query, uniqueName } from '../support/stack';

describe('request budgets in the control DB', () => {
  let url: string;
  let store: StatsStore;

  beforeAll(async () => {
    url = withDatabase(inject('mysqlServerUrl'), uniqueName('t_budget'));
    store = await StatsStore.open(url);
    await store.migrate();
  });

  afterAll(async () => {
    await store?.close();
    await query(url.replace(/\/[^/]+$/, '/mysql'), `DROP DATABASE IF EXISTS \`${new URL(url).pathname.slice(1)}\``);
  });

  const budget = (source: string, limits: ConstructorParameters<typeof DbRequestBudget>[2]) =>
    new DbRequestBudget(async () => store.pool, source, limits);

  async function eventTimes(source: string): Promise<number[]> {
    const rows = await query<{ at: string }>(url, 'SELECT at FROM resync_rate_events WHERE source = ? AND kind = 0 ORDER BY at', [source]);
    return rows.map((r) => Date.parse(`${r.at.replace(' ', 'T')}Z`));
  }

  it('two limiters of one source never let more than 2 requests into any second', async () => {
    const source = uniqueName('s');
    const a = budget(source, { perSecond: 2 });
    const b = budget(source, { perSecond: 2 });
    // Two "workers", each with two "processes", asking as fast as they can.
    await Promise.all(
      [a, a, b, b].map(async (limiter) => {
        for (let i = 0; i < 3; i++) await limiter.acquire();
      }),
    );
    const times = await eventTimes(source);
    expect(times).toHaveLength(12);
    for (let i = 2; i < times.length; i++) expect(times[i]! - times[i - 2]!).toBeGreaterThanOrEqual(1000);
  });

  it('keeps the day’s usage across a restart: a daily budget is never exceeded', async () => {
    const source = uniqueName('s');
    const before = budget(source, { perDay: 5 });
    for (let i = 0; i < 5; i++) await before.acquire();
    // A new worker process: nothing in memory, the same database.
    const after = budget(source, { perDay: 5 });
    const err = await after.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceRateLimited);
    expect((err as SourceRateLimited).retryAfterMs).toBeGreaterThan(86_000_000);
    expect(await after.usage()).toEqual([{ window: 'day', limit: 5, used: 5 }]);
  });

  it('a 429 cools the whole source down, for every limiter, then lets it go', async () => {
    const source = uniqueName('s');
    const hit = budget(source, {});
    const other = budget(source, { perSecond: 100 });
    hit.coolDown(1500);
    await hit.flush();
    const [[state]] = (await store.pool.query('SELECT cool_until FROM resync_rate_state WHERE source = ?', [source])) as unknown as [
      [{ cool_until: string }],
    ];
    const coolUntil = Date.parse(`${state.cool_until.replace(' ', 'T')}Z`);
    await Promise.all([hit.acquire(), other.acquire()]);
    const [first] = await eventTimes(source);
    // The limiter with a budget records its request; it was let through only after the cool-down.
    expect(first).toBeGreaterThanOrEqual(coolUntil);
  });

  it('reads quota headers that say nothing is left', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(quotaExhaustedDelay({ 'burst-ratelimit-remaining': '0', 'burst-ratelimit-reset': '30' }, now)).toBe(30_000);
    expect(quotaExhaustedDelay({ 'burst-ratelimit-remaining': '5', 'burst-ratelimit-reset': '30' }, now)).toBeUndefined();
    expect(quotaExhaustedDelay({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 10) }, now)).toBe(10_000);
  });
});
