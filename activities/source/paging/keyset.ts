/**
 * Keyset paging on (cursor field, key): each request asks for the next `$top` records after the
 * last one received, ordered by both. Unlike `$skip` it cannot skip or repeat a record when data
 * changes during the run, and unlike nextLinks it can resume from a cursor after any crash.
 * Pages are fetched one at a time, when asked for; callers overlap download and write with
 * readAhead (read-ahead.ts), which also knows when no further page is wanted.
 */
import type { SyncCursor } from '../../destinations/destination';
import type { HttpClient } from '../http';
import type { LinePlan } from '../../common/load-lines';
import { SourceResponseInvalid } from '../errors';
import { keysetPageUrl } from '../requests';
import { splitValid, type ReplicationPage } from './page';

export interface KeysetOptions {
  http: HttpClient;
  /** The plan of the LOAD DATA lines to write beside each page's records (common/load-lines.ts). */
  lines?: () => LinePlan | undefined;
  serviceRoot: string;
  resource: string;
  cursorField: string;
  keyField: string;
  numericKey: boolean;
  select?: string[];
  expand?: string;
  userFilter?: string;
  /** Platform-required clause (kept unwrapped when the platform insists). */
  requiredFilter?: string;
  pageSize: number;
  upperBound: string;
  start: SyncCursor | null;
  /** Ask for `@odata.count` on the first request (for progress and the final check). */
  count: boolean;
  signal?: AbortSignal;
}

export async function* keysetPages(o: KeysetOptions): AsyncGenerator<ReplicationPage> {
  const fetchPage = async (after: SyncCursor | null, withCount: boolean): Promise<ReplicationPage & { serverHasMore: boolean }> => {
    const url = keysetPageUrl(o, after, withCount);
    const lines = o.lines?.();
    const page = await o.http.getCollection(url, o.signal, lines ? { lines } : undefined);
    const { records, rejects, last } = splitValid(page.records, o.cursorField, o.keyField);
    if (page.records.length > o.pageSize) {
      throw new SourceResponseInvalid(`${o.resource}: asked for ${o.pageSize} records, got ${page.records.length}`);
    }
    if (page.records.length > 0 && !last) {
      throw new SourceResponseInvalid(
        `${o.resource}: no record on the page has a readable ${o.cursorField} and ${o.keyField}; cannot advance`,
      );
    }
    return {
      records,
      rejects,
      cursor: last ?? after,
      nextLink: null,
      more: false,
      count: page.count,
      bytes: page.bytes,
      url,
      serverHasMore: page.nextLink !== null,
    };
  };

  let after = o.start;
  let withCount = o.count;
  for (;;) {
    const page = await fetchPage(after, withCount);
    const received = page.records.length + page.rejects.length;
    // A short page without a nextLink is the last one. A server that caps pages below `$top`
    // says so with a nextLink; the keyset request after the page's last record continues exactly.
    const more = received > 0 && (received >= o.pageSize || page.serverHasMore);
    yield { ...page, more };
    if (!more) return;
    after = page.cursor;
    withCount = false;
  }
}
