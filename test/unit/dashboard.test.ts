/**
 * The dashboard's pure parts: cron expansion for the timeline, overlap finding, secret masking,
 * retry state from pending activities, how a process's status sums up its resources, the charts'
 * scales, and the count verdict shared with `resync status`.
 */
import { describe, expect, it } from 'vitest';
import type { LastRun, ScheduleInfo } from '../../dashboard/server/api-types';
import { hostname } from 'node:os';
import { DashboardAddresses, foreignOrigin, parseAuthority } from '../../dashboard/server/addresses';
import { cronTimes } from '../../dashboard/server/cron-times';
import { processStatus } from '../../dashboard/server/routes/overview';
import { scrub } from '../../dashboard/server/scrub';
import { retryState } from '../../dashboard/server/temporal';
import { ASSUMED_DURATION_MS, buildTimeline } from '../../dashboard/server/timeline';
import { countTicks, durationTicks, niceStep, syncRecords, timeScale } from '../../dashboard/web/src/chart-scale';
import { compareCounts } from '../../worker/inspect/count-verdict';

const iso = (d: Date[]) => d.map((x) => x.toISOString());

describe('cronTimes', () => {
  it('expands steps, ranges and lists within the window', () => {
    const from = new Date('2025-03-03T00:00:00Z');
    const to = new Date('2025-03-03T02:00:00Z');
    expect(iso(cronTimes('*/30 * * * *', 'UTC', from, to))).toEqual([
      '2025-03-03T00:00:00.000Z',
      '2025-03-03T00:30:00.000Z',
      '2025-03-03T01:00:00.000Z',
      '2025-03-03T01:30:00.000Z',
    ]);
    expect(iso(cronTimes('5/20 1 * * *', 'UTC', from, to))).toEqual([
      '2025-03-03T01:05:00.000Z',
      '2025-03-03T01:25:00.000Z',
      '2025-03-03T01:45:00.000Z',
    ]);
    expect(iso(cronTimes('0 0,1 * * *', 'UTC', from, to))).toEqual(['2025-03-03T00:00:00.000Z', '2025-03-03T01:00:00.000Z']);
  });

  it('reads the cron in its time zone, across a daylight-saving change', () => {
    // New York moves to EDT (UTC-4) on 2025-03-09: 04:00 local is 09:00 UTC before, 08:00 after.
    const times = cronTimes('0 4 * * *', 'America/New_York', new Date('2025-03-08T00:00:00Z'), new Date('2025-03-11T00:00:00Z'));
    expect(iso(times)).toEqual(['2025-03-08T09:00:00.000Z', '2025-03-09T08:00:00.000Z', '2025-03-10T08:00:00.000Z']);
  });

  it('takes day names, 7 for Sunday, and needs day of month and day of week both to match', () => {
    const from = new Date('2025-06-01T00:00:00Z'); // a Sunday
    const to = new Date('2025-06-15T00:00:00Z');
    expect(iso(cronTimes('0 4 * * SUN', 'UTC', from, to))).toEqual(['2025-06-01T04:00:00.000Z', '2025-06-08T04:00:00.000Z']);
    expect(iso(cronTimes('0 4 * * 7', 'UTC', from, to))).toEqual(['2025-06-01T04:00:00.000Z', '2025-06-08T04:00:00.000Z']);
    expect(iso(cronTimes('0 4 * * MON-FRI', 'UTC', from, new Date('2025-06-04T00:00:00Z')))).toEqual([
      '2025-06-02T04:00:00.000Z',
      '2025-06-03T04:00:00.000Z',
    ]);
    // Temporal matches every field: the 1st only when it is also a Monday.
    expect(iso(cronTimes('0 0 1 * MON', 'UTC', new Date('2025-01-01T00:00:00Z'), new Date('2025-12-31T00:00:00Z')))).toEqual([
      '2025-09-01T00:00:00.000Z',
      '2025-12-01T00:00:00.000Z',
    ]);
  });
});

function schedule(
  id: string,
  source: string,
  cron: string,
  typicalDurationMs: number | null,
  extra: Partial<ScheduleInfo> = {},
): ScheduleInfo {
  return {
    scheduleId: id,
    source,
    process: 'sync',
    cron,
    timeZone: 'UTC',
    exists: true,
    paused: false,
    note: null,
    nextRuns: [],
    lastAction: null,
    typicalDurationMs,
    temporalUrl: '',
    ...extra,
  };
}

describe('buildTimeline', () => {
  const from = new Date('2025-03-03T00:00:00Z');
  const to = new Date('2025-03-03T06:00:00Z');

  it('draws each run as long as its schedule usually takes and pairs the runs that overlap', () => {
    const timeline = buildTimeline(
      [
        schedule('a:sync', 'a', '0 * * * *', 20 * 60_000),
        schedule('a:purge', 'a', '10 2 * * *', 5 * 60_000),
        schedule('b:sync', 'b', '15 * * * *', 5 * 60_000),
      ],
      from,
      to,
    );
    expect(timeline.bars.filter((b) => b.scheduleId === 'a:sync')).toHaveLength(6);
    expect(timeline.bars.find((b) => b.scheduleId === 'a:sync')!.end).toBe('2025-03-03T00:20:00.000Z');
    // a's sync (hh:00–hh:20) meets b's (hh:15–hh:20) every hour: another MLS, harmless, not listed.
    // a's purge at 02:10 runs beside a's own sync: they share a's limits, so that one is.
    expect(timeline.overlaps).toEqual([
      {
        a: 'a:sync',
        b: 'a:purge',
        start: '2025-03-03T02:10:00.000Z',
        end: '2025-03-03T02:15:00.000Z',
        kind: 'same-source',
        reason: "both run at once against a's MLS: they share its rate limits",
      },
    ]);
    expect(timeline.bars.filter((b) => b.scheduleId === 'b:sync').every((b) => b.overlaps.length === 0)).toBe(true);
  });

  it('flags a schedule whose runs last longer than its interval, guesses unknown durations, and skips paused ones', () => {
    const timeline = buildTimeline(
      [
        schedule('slow', 's', '*/15 * * * *', 20 * 60_000),
        schedule('new', 'n', '0 1 * * *', null),
        schedule('paused', 'p', '* * * * *', 1000, { paused: true }),
      ],
      from,
      to,
    );
    expect(timeline.overlaps.some((o) => o.a === 'slow' && o.b === 'slow')).toBe(true);
    const guessed = timeline.bars.find((b) => b.scheduleId === 'new')!;
    expect(guessed.estimated).toBe(true);
    expect(Date.parse(guessed.end) - Date.parse(guessed.start)).toBe(ASSUMED_DURATION_MS);
    expect(timeline.bars.some((b) => b.scheduleId === 'paused')).toBe(false);
  });

  it("uses Temporal's next times for a schedule made by hand (no cron in the config)", () => {
    const timeline = buildTimeline(
      [schedule('hand', 'h', '', 60_000, { cron: null, nextRuns: ['2025-03-03T01:00:00.000Z', '2025-03-04T01:00:00.000Z'] })],
      from,
      to,
    );
    expect(timeline.bars.map((b) => b.start)).toEqual(['2025-03-03T01:00:00.000Z']);
  });
});

describe('scrub', () => {
  it('masks credentials in URLs, token parameters and bearer tokens', () => {
    expect(scrub('connect mysql://app:s3cr3t@db:3306/mls failed')).toBe('connect mysql://***@db:3306/mls failed');
    expect(scrub('GET https://api.example.com/odata/Property?access_token=abc123&$top=1')).toBe(
      'GET https://api.example.com/odata/Property?access_token=***&$top=1',
    );
    expect(scrub('header Authorization: Bearer eyJhbGciOi.x.y')).toBe('header Authorization: Bearer ***');
    expect(scrub('https://api.example.com/odata/Property?$top=1 answered 500')).toBe(
      'https://api.example.com/odata/Property?$top=1 answered 500',
    );
    expect(scrub(null)).toBeNull();
  });
});

describe('retryState', () => {
  it('reports the pending activity furthest into its retries, with its innermost failure', () => {
    expect(retryState([{ activityType: { name: 'syncPages' }, attempt: 1 }])).toBeNull();
    const state = retryState([
      { activityType: { name: 'syncPages' }, attempt: 2, lastFailure: { message: 'outer' } },
      {
        activityType: { name: 'prepareSync' },
        attempt: 4,
        lastFailure: { message: 'activity failed', cause: { message: 'request to https://u:p@h/x failed: ECONNREFUSED' } },
      },
    ]);
    expect(state).toEqual({
      activity: 'prepareSync',
      attempt: 4,
      lastFailure: 'request to https://***@h/x failed: ECONNREFUSED',
      lastFailureAt: null,
    });
  });
});

describe('processStatus', () => {
  const run = (
    resource: string,
    outcome: LastRun['outcome'],
    startedAt: string,
    finishedAt: string | null,
    error: string | null = null,
  ): LastRun => ({
    runId: `r-${resource}`,
    workflowId: `sync/s/${resource}`,
    resource,
    process: 'sync',
    outcome,
    error,
    startedAt,
    finishedAt,
    downloaded: 0,
    upserted: 0,
    deleted: 0,
    rejected: 0,
    media: null,
    temporalUrl: `ui/${resource}`,
  });

  it('reads as failed when any resource failed, naming it and linking its run', () => {
    const status = processStatus(
      'sync',
      [
        run('Property', 'succeeded', '2025-01-01T01:00:00Z', '2025-01-01T01:05:00Z'),
        run('Media', 'failed', '2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z', 'boom'),
      ],
      undefined,
    );
    expect(status.last).toEqual(
      expect.objectContaining({
        outcome: 'failed',
        error: 'boom',
        failedResources: ['Media'],
        temporalUrl: 'ui/Media',
        startedAt: '2025-01-01T01:00:00Z',
        finishedAt: '2025-01-01T01:05:00Z',
      }),
    );
    expect(status.paused).toBeNull();
  });

  it('reads as running while a resource runs, and takes the next run from an active schedule', () => {
    const next = '2025-01-02T00:00:00.000Z';
    const status = processStatus(
      'sync',
      [run('Property', 'running', '2025-01-01T01:00:00Z', null)],
      schedule('x', 's', '* * * * *', null, { nextRuns: [next] }),
    );
    expect(status).toEqual(expect.objectContaining({ nextRun: next, paused: false }));
    expect(status.last).toEqual(expect.objectContaining({ outcome: 'running', finishedAt: null }));
  });
});

describe('chart scales', () => {
  it('puts ticks at 0 and steps of 1, 2 or 5 × 10^n, the top at or above the largest value', () => {
    expect(countTicks(60_000)).toEqual({ max: 60_000, ticks: [0, 20_000, 40_000, 60_000] });
    expect(countTicks(2400)).toEqual({ max: 3000, ticks: [0, 1000, 2000, 3000] });
    expect(countTicks(137)).toEqual({ max: 150, ticks: [0, 50, 100, 150] });
    // Never a fraction of a record.
    expect(countTicks(3)).toEqual({ max: 3, ticks: [0, 1, 2, 3] });
    expect(countTicks(0)).toEqual({ max: 1, ticks: [0, 1] });
    for (const max of [1, 7, 99, 101, 2500, 64_900, 1_234_567]) {
      const { ticks, max: top } = countTicks(max);
      expect(top).toBeGreaterThanOrEqual(max);
      const step = ticks[1]! - ticks[0]!;
      expect(String(step / 10 ** Math.floor(Math.log10(step)))).toMatch(/^[125]$/);
      expect(ticks.length).toBeLessThanOrEqual(6);
    }
    expect([0.3, 3, 30, 0.07].map((v) => niceStep(v))).toEqual([0.5, 5, 50, 0.1]);
  });

  it('steps durations by round clock values', () => {
    expect(durationTicks(100_000)).toEqual({ max: 120_000, ticks: [0, 30_000, 60_000, 90_000, 120_000] });
    expect(durationTicks(50 * 60_000).ticks).toEqual([0, 15, 30, 45, 60].map((m) => m * 60_000));
    expect(durationTicks(3_000).ticks).toEqual([0, 1000, 2000, 3000]);
  });

  it('keeps the first and last bar inside the plot', () => {
    const left = 64;
    const width = 564;
    const barW = 12;
    const x = timeScale(1000, 5000, left, width, barW / 2 + 4);
    expect(x(1000) - barW / 2).toBeGreaterThan(left);
    expect(x(5000) + barW / 2).toBeLessThan(left + width);
    expect(timeScale(1000, 1000, left, width, 10)(1000)).toBe(left + width / 2);
  });

  it('draws records of syncs only: a purge or reconcile downloads keys', () => {
    const point = (process: 'sync' | 'purge' | 'reconcile', downloaded: number) => ({
      runId: process,
      resource: 'Property',
      process,
      outcome: 'succeeded' as const,
      startedAt: '2025-01-01T00:00:00Z',
      durationMs: 1000,
      downloaded,
      upserted: 0,
    });
    expect([point('sync', 12), point('purge', 64_900), point('reconcile', 64_900)].map(syncRecords)).toEqual([12, null, null]);
  });
});

describe('compareCounts', () => {
  const at = (iso: string, count: number | null) => ({ count, countedAt: iso });
  it('says in step, missing N or too many N for counts taken together', () => {
    expect(compareCounts(at('2025-01-01T00:00:00Z', 100), at('2025-01-01T00:00:05Z', 100))).toEqual({ state: 'in-step', text: 'in step' });
    expect(compareCounts(at('2025-01-01T00:00:00Z', 64_900), at('2025-01-01T00:00:05Z', 4_900))).toEqual({
      state: 'missing',
      difference: 60_000,
      text: 'missing 60,000',
    });
    expect(compareCounts(at('2025-01-01T00:00:00Z', 0), at('2025-01-01T00:00:05Z', 60_000))).toEqual({
      state: 'too-many',
      difference: 60_000,
      text: 'too many 60,000',
    });
    expect(compareCounts(at('2025-01-01T00:00:00Z', null), at('2025-01-01T00:00:05Z', 1)).state).toBe('unknown');
  });

  it('does not compare a count taken before the last run ended, nor counts taken far apart', () => {
    // The MLS was counted before a sync added 60,000 records; the rows after it.
    const beforeSync = compareCounts(at('2025-01-01T00:00:00Z', 0), at('2025-01-01T00:04:00Z', 60_000), {
      lastRunEndedAt: '2025-01-01T00:03:00Z',
    });
    expect(beforeSync).toEqual({ state: 'not-comparable', text: 'recounting: the MLS was counted before the last run ended' });
    const apart = compareCounts(at('2025-01-01T00:00:00Z', 5), at('2025-01-01T01:00:00Z', 5));
    expect(apart).toEqual({ state: 'not-comparable', text: 'not compared: counted 60 min apart' });
    // A run that ended before both counts changes nothing.
    expect(
      compareCounts(at('2025-01-01T00:05:00Z', 5), at('2025-01-01T00:05:01Z', 5), { lastRunEndedAt: '2025-01-01T00:04:00Z' }).state,
    ).toBe('in-step');
  });
});

describe('dashboard addresses', () => {
  const allows = (a: DashboardAddresses, host: string) => a.allows(parseAuthority(host)!, 80);

  it('answers to the loopback names on its port when bound to loopback, and to nothing else', () => {
    const a = new DashboardAddresses({ bindHost: '127.0.0.1', port: 4000 });
    for (const host of ['127.0.0.1:4000', 'localhost:4000', 'LOCALHOST:4000', '[::1]:4000']) expect(allows(a, host), host).toBe(true);
    for (const host of ['evil.example:4000', '127.0.0.1:4001', '127.0.0.1', '192.168.1.5:4000']) expect(allows(a, host), host).toBe(false);
    expect(parseAuthority('evil.example:4000/x')).toBeUndefined();
    expect(parseAuthority('[::1')).toBeUndefined();
  });

  it("answers to its own address when bound to one, and to the machine's names when bound to every interface", () => {
    const one = new DashboardAddresses({ bindHost: '192.168.1.5', port: 4000 });
    expect(allows(one, '192.168.1.5:4000')).toBe(true);
    expect(allows(one, 'localhost:4000')).toBe(false);
    const all = new DashboardAddresses({ bindHost: '0.0.0.0', port: 4000 });
    for (const host of ['127.0.0.1:4000', 'localhost:4000', `${hostname().toLowerCase()}:4000`]) expect(allows(all, host), host).toBe(true);
    expect(allows(all, 'evil.example:4000')).toBe(false);
  });

  it("tells a change from the dashboard's own page from one sent by another site", () => {
    const a = new DashboardAddresses({ bindHost: '127.0.0.1', port: 4000 });
    const from = (headers: Record<string, string>) => foreignOrigin({ headers }, a);
    expect(from({ origin: 'http://127.0.0.1:4000' })).toBeUndefined();
    expect(from({ origin: 'http://localhost:4000', 'sec-fetch-site': 'same-origin' })).toBeUndefined();
    expect(from({})).toBeUndefined();
    expect(from({ origin: 'http://evil.example:4000' })).toBe('Origin "http://evil.example:4000"');
    expect(from({ origin: 'file://' })).toBe('Origin "file://"');
    expect(from({ 'sec-fetch-site': 'cross-site' })).toBe('Sec-Fetch-Site: cross-site');
    expect(from({ referer: 'http://evil.example/' })).toBe('its Referer');
  });
});
