/**
 * Keyset paging on (cursor field, key): each request asks for the next `$top` records after the
 * last one received, ordered by both. Unlike `$skip` it cannot skip or repeat a record when data
 * changes during the run, and unlike nextLinks it can resume from a cursor after any crash.
 * The next page is requested while the caller writes the current one (pipelining).
 */
import { canonicalTimestamp } from '../common/timestamps';
import type { SyncCursor } from '../../workflows/types';
import type { HttpClient } from './http';
import { SourceResponseInvalid } from './errors';
import { andFilters, buildResourceUrl, keysetFilter } from './query';

export interface KeysetOptions {
  http: HttpClient;
  serviceRoot: string;
  resource: string;
  cursorField: string;
  keyField: string;
  numericKey: boolean;
  select?: string[];
  userFilter?: string;
  pageSize: number;
  upperBound: string;
  start: SyncCursor | null;
  /** Ask for `@odata.count` on the first request (for progress and the final check). */
  count: boolean;
  signal?: AbortSignal;
}

export interface RejectedRecord {
  record: Record<string, unknown>;
  reason: string;
}

export interface KeysetPage {
  records: Record<string, unknown>[];
  rejects: RejectedRecord[];
  /** Position after this page; commit it only once the page is written. */
  cursor: SyncCursor | null;
  count: number | null;
  bytes: number;
  /** The URL requested (for logs and the simulator's request counting in tests). */
  url: string;
  /** The server sent a nextLink: it capped the page below `$top` and has more. */
  serverHasMore: boolean;
}

export function keysetUrl(o: KeysetOptions, after: SyncCursor | null, withCount: boolean): string {
  const window = keysetFilter({
    cursorField: o.cursorField,
    keyField: o.keyField,
    numericKey: o.numericKey,
    after,
    upperBound: o.upperBound,
  });
  return buildResourceUrl(o.serviceRoot, o.resource, {
    filter: andFilters(o.userFilter, window),
    ...(o.select ? { select: o.select } : {}),
    orderby: [`${o.cursorField} asc`, `${o.keyField} asc`],
    top: o.pageSize,
    count: withCount,
  });
}

export async function* keysetPages(o: KeysetOptions): AsyncGenerator<KeysetPage> {
  const fetchPage = async (after: SyncCursor | null, withCount: boolean): Promise<KeysetPage> => {
    const url = keysetUrl(o, after, withCount);
    const page = await o.http.getCollection(url, o.signal);
    const { records, rejects, last } = splitValid(page.records, o.cursorField, o.keyField);
    if (page.records.length > o.pageSize) {
      throw new SourceResponseInvalid(`${o.resource}: asked for ${o.pageSize} records, got ${page.records.length}`);
    }
    if (page.records.length > 0 && !last) {
      throw new SourceResponseInvalid(`${o.resource}: no record on the page has a readable ${o.cursorField} and ${o.keyField}; cannot advance`);
    }
    return { records, rejects, cursor: last ?? after, count: page.count, bytes: page.bytes, url, serverHasMore: page.nextLink !== null };
  };

  let pending: Promise<KeysetPage> | undefined = fetchPage(o.start, o.count);
  while (pending) {
    const page: KeysetPage = await pending;
    const received = page.records.length + page.rejects.length;
    // A short page without a nextLink is the last one. A server that caps pages below `$top`
    // says so with a nextLink; the keyset request after the page's last record continues exactly.
    const more = received > 0 && (received >= o.pageSize || page.serverHasMore);
    pending = more ? fetchPage(page.cursor, false) : undefined;
    // Keep the prefetch from becoming an unhandled rejection if the consumer stops early.
    pending?.catch(() => undefined);
    yield page;
  }
}

/** Splits a page into writable records and ones whose key or cursor cannot be read. */
function splitValid(
  raw: Record<string, unknown>[],
  cursorField: string,
  keyField: string,
): { records: Record<string, unknown>[]; rejects: RejectedRecord[]; last: SyncCursor | undefined } {
  const records: Record<string, unknown>[] = [];
  const rejects: RejectedRecord[] = [];
  let last: SyncCursor | undefined;
  for (const record of raw) {
    const key = record[keyField];
    const ts = record[cursorField];
    if ((typeof key !== 'string' || key === '') && typeof key !== 'number') {
      rejects.push({ record, reason: `${keyField} is missing or not a string/number` });
      continue;
    }
    const canonical = typeof ts === 'string' ? canonicalTimestamp(ts) : undefined;
    if (!canonical) {
      rejects.push({ record, reason: `${cursorField} ${JSON.stringify(ts)} is not a timestamp` });
      continue;
    }
    records.push(record);
    last = { timestamp: canonical, key: String(key) };
  }
  return { records, rejects, last };
}
