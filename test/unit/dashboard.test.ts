/**
 * The dashboard's pure parts: cron expansion for the timeline, overlap finding, secret masking,
 * retry state from pending activities, and how a process's status sums up its resources.
 */
import { describe, expect, it } from 'vitest';
import type { LastRun, ScheduleInfo } from '../../dashboard/server/api-types';
import { cronTimes } from '../../dashboard/server/cron-times';
import { processStatus } from '../../dashboard/server/routes/overview';
import { scrub } from '../../dashboard/server/scrub';
import { retryState } from '../../dashboard/server/temporal';
import { ASSUMED_DURATION_MS, buildTimeline } from '../../dashboard/server/timeline';

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
