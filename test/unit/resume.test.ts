import { describe, expect, it } from 'vitest';
import { addFractionUnit } from '../../activities/common/timestamps';
import type { HighWaterTie } from '../../activities/destinations/destination';
import { resumeAfterTie } from '../../activities/source/paging/resume';
import { platformFor } from '../../activities/source/platforms';
import { windowClauses, type RequestTarget } from '../../activities/source/requests';
import { listingResource } from '../support/listing-model';
import type { SourceConfig } from '../../config';

const tie: HighWaterTie = {
  timestamp: '2024-05-01T12:00:00.1234560Z',
  until: '2024-05-01T12:00:00.1234570Z',
  rows: 300,
  greatestKey: 'L400',
};

function target(platform: 'generic' | 'mlsgrid' | 'rmls'): RequestTarget {
  return {
    src: {
      platform: platformFor(platform),
      config: { url: 'http://mls.test/odata', originatingSystemName: 'x' } as unknown as SourceConfig,
    },
    resource: listingResource(),
    resourceConfig: { name: 'Listing', cursorField: 'ModificationTimestamp' } as RequestTarget['resourceConfig'],
  };
}

/** An MLS answering the tie count (`… lt …`) with `atTie` and the count of the window after it with `after`. */
function mls(atTie: number | null, after = 0) {
  const urls: string[] = [];
  return {
    urls,
    http: {
      getCollection: (url: string) => {
        const text = decodeURIComponent(url);
        urls.push(text);
        return Promise.resolve({ records: [], count: text.includes(' lt ') ? atTie : after, nextLink: null, bytes: 0 });
      },
    },
  };
}

const upperBound = '2024-06-01T00:00:00.0000000Z';

describe('where an incremental sync resumes', () => {
  it('after (timestamp, greatest key) when the MLS has as many records at the timestamp as are stored, and none after', async () => {
    const { http, urls } = mls(300, 0);
    const point = await resumeAfterTie(target('generic'), http, tie, { upperBound });
    expect(point.cursor).toEqual({ timestamp: tie.timestamp, key: 'L400' });
    expect(point.expectedTotal).toBe(0);
    // The count covers every MLS timestamp stored as this one (100 ns digits truncated).
    expect(urls[0]).toContain(
      'ModificationTimestamp ge 2024-05-01T12:00:00.123456Z and ModificationTimestamp lt 2024-05-01T12:00:00.123457Z',
    );
    expect(urls[1]).toContain("ModificationTimestamp eq 2024-05-01T12:00:00.123456Z and ListingKey gt 'L400'");
    expect(urls).toHaveLength(2);
  });

  it('at the timestamp, inclusive, when the counts differ: a record reached it late', async () => {
    const inclusive = { timestamp: tie.timestamp, key: '' };
    expect((await resumeAfterTie(target('generic'), mls(301).http, tie, { upperBound })).cursor).toEqual(inclusive);
    expect((await resumeAfterTie(target('generic'), mls(299).http, tie, { upperBound })).cursor).toEqual(inclusive);
    expect((await resumeAfterTie(target('generic'), mls(null).http, tie, { upperBound })).cursor).toEqual(inclusive);
  });

  it('at the timestamp, inclusive, when records changed after it: one may have left the tie for a late one', async () => {
    const point = await resumeAfterTie(target('mlsgrid'), mls(300, 2).http, tie, { upperBound });
    expect(point.cursor).toEqual({ timestamp: tie.timestamp, key: '' });
    expect(point.expectedTotal).toBeUndefined();
  });

  it('asks both counts at once: a no-change run waits for one round trip to the MLS, not two', async () => {
    const urls: string[] = [];
    const answers: Array<() => void> = [];
    const http = {
      getCollection: (url: string) =>
        new Promise<{ records: never[]; count: number; nextLink: null; bytes: number }>((resolve) => {
          const text = decodeURIComponent(url);
          urls.push(text);
          answers.push(() => resolve({ records: [], count: text.includes(' lt ') ? 300 : 0, nextLink: null, bytes: 0 }));
        }),
    };
    const point = resumeAfterTie(target('generic'), http, tie, { upperBound });
    await new Promise((r) => setTimeout(r, 0));
    expect(urls).toHaveLength(2);
    for (const answer of answers) answer();
    expect((await point).expectedTotal).toBe(0);
  });

  it('from the start on an empty destination', async () => {
    expect(await resumeAfterTie(target('generic'), mls(0).http, null, { upperBound })).toEqual({ cursor: null });
  });

  it('asks nextLink platforms for records after the timestamp, keyset platforms after (timestamp, key)', () => {
    const cursor = { timestamp: tie.timestamp, key: 'L400' };
    const upper = upperBound;
    expect(windowClauses(target('mlsgrid'), cursor, upper)).toEqual([
      'ModificationTimestamp gt 2024-05-01T12:00:00.123456Z',
      'ModificationTimestamp le 2024-06-01T00:00:00Z',
    ]);
    expect(windowClauses(target('mlsgrid'), { ...cursor, key: '' }, upper)[0]).toBe('ModificationTimestamp ge 2024-05-01T12:00:00.123456Z');
    expect(windowClauses(target('generic'), cursor, upper)).toEqual([
      "(ModificationTimestamp gt 2024-05-01T12:00:00.123456Z or (ModificationTimestamp eq 2024-05-01T12:00:00.123456Z and ListingKey gt 'L400')) and ModificationTimestamp le 2024-06-01T00:00:00Z",
    ]);
  });

  it('steps a stored timestamp by one unit of its last digit, carrying into the second', () => {
    expect(addFractionUnit('2024-05-01T12:00:00.1234560Z', 6)).toBe('2024-05-01T12:00:00.1234570Z');
    expect(addFractionUnit('2024-12-31T23:59:59.9990000Z', 3)).toBe('2025-01-01T00:00:00.0000000Z');
    expect(addFractionUnit('2024-05-01T12:00:00.0000000Z', 0)).toBe('2024-05-01T12:00:01.0000000Z');
  });
});
