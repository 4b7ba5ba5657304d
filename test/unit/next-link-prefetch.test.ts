/**
 * nextLink paging with `prefetch` (activities/source/paging/next-link.ts): the following page is
 * requested on its link's hint, while the current body is still being parsed; the parsed body has
 * the last word, and nothing requested ahead outlives the caller.
 */
import { describe, expect, it } from 'vitest';
import type { CollectionOptions, HttpClient, ODataPage } from '../../activities/source/http';
import { nextLinkPages } from '../../activities/source/paging/next-link';
import { readAhead } from '../../activities/source/paging/read-ahead';

const root = 'https://mls.test/odata';
const pageUrl = (n: number) => `${root}/Property?page=${n}`;
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An MLS of `pages` pages. Each body's hint comes 5 ms in, the parsed page 30 ms in (what the body
 * thread takes). `hintOf` can make a hint lie.
 */
function mls(pages: number, hintOf: (n: number) => string | undefined = (n) => (n < pages ? `?page=${n + 1}` : undefined)) {
  const events: string[] = [];
  const http: HttpClient = {
    getText: () => Promise.reject(new Error('not used')),
    async getCollection(url: string, signal?: AbortSignal, options?: CollectionOptions): Promise<ODataPage> {
      const n = /page=(\d+)/.exec(url) ? Number(/page=(\d+)/.exec(url)![1]) : 1;
      events.push(`request ${n}`);
      const aborted = new Promise<never>((_, reject) =>
        signal?.addEventListener('abort', () => {
          events.push(`abort ${n}`);
          reject(new Error('aborted'));
        }),
      );
      const hint = hintOf(n);
      await Promise.race([tick(5), aborted]);
      if (hint !== undefined) options?.onNextLink?.(hint);
      await Promise.race([tick(25), aborted]);
      events.push(`parsed ${n}`);
      return {
        records: [{ ListingKey: `K${n}`, ModificationTimestamp: `2024-01-0${n}T00:00:00Z` }],
        count: null,
        nextLink: n < pages ? `${root}/Property?page=${n + 1}` : null,
        bytes: 100,
      };
    },
  };
  return { http, events };
}

function pagesOf(http: HttpClient, prefetch?: () => boolean) {
  return nextLinkPages({
    http,
    serviceRoot: root,
    resourcePath: 'Property',
    cursorField: 'ModificationTimestamp',
    keyField: 'ListingKey',
    pageSize: 1,
    upperBound: '2025-01-01T00:00:00Z',
    start: null,
    resumeLink: pageUrl(1),
    orderedByTimestamp: true,
    count: false,
    ...(prefetch ? { prefetch } : {}),
  });
}

describe('nextLink paging with prefetch', () => {
  it('requests the following page on its hint, before the current page is parsed, and each page once', async () => {
    const { http, events } = mls(3);
    const seen: string[] = [];
    for await (const page of pagesOf(http, () => true)) {
      seen.push(String(page.records[0]!.ListingKey));
      await tick(50); // the write
    }
    expect(seen).toEqual(['K1', 'K2', 'K3']);
    expect(events.indexOf('request 2')).toBeLessThan(events.indexOf('parsed 1'));
    expect(events.filter((e) => e.startsWith('request'))).toEqual(['request 1', 'request 2', 'request 3']);
    expect(events.filter((e) => e.startsWith('abort'))).toEqual([]);
  });

  it('without prefetch, or when it says no, asks for a page only when the caller does', async () => {
    for (const prefetch of [undefined, () => false]) {
      const { http, events } = mls(2);
      for await (const _ of pagesOf(http, prefetch)) await tick(10);
      expect(events).toEqual(['request 1', 'parsed 1', 'request 2', 'parsed 2']);
    }
  });

  it('gives up a request made on a hint the parsed page contradicts, and follows the parsed link', async () => {
    const { http, events } = mls(2, (n) => (n === 1 ? '?page=7' : undefined));
    const seen: string[] = [];
    for await (const page of pagesOf(http, () => true)) seen.push(String(page.records[0]!.ListingKey));
    expect(seen).toEqual(['K1', 'K2']);
    expect(events.slice(0, 5)).toEqual(['request 1', 'request 7', 'parsed 1', 'abort 7', 'request 2']);
  });

  it('cancels the page requested ahead when the caller stops, and says a page was requested ahead', async () => {
    const { http, events } = mls(5);
    const flags: boolean[] = [];
    for await (const { page } of readAhead(
      pagesOf(http, () => true),
      (p) => p.records[0]!.ListingKey !== 'K2',
    )) {
      flags.push(page.nextRequested === true);
    }
    await tick(50);
    // Page 3 was requested on page 2's hint; the caller stopped after page 2.
    expect(events.filter((e) => /^(parsed|abort)/.test(e))).toEqual(['parsed 1', 'parsed 2', 'abort 3']);
    expect(events).not.toContain('request 4');
    expect(flags).toEqual([true, true]);
  });
});
