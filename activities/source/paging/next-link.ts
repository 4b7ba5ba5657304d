/**
 * Replication paging by nextLink (Trestle `replication=true`, MLS Grid, Bridge `/replication`,
 * Spark): one query for the window, then the links the server hands out. A link can expire
 * (Trestle: ~5 idle minutes) or refuse a very deep `$skip` (MLS Grid: 400): the window is then
 * queried again from the restart point — the last timestamp received where the platform sends
 * records in timestamp order, else the window's start (upserts make the repeat harmless).
 */
import type { SyncCursor } from '../../destinations/destination';
import { SourceRequestRejected, SourceResponseInvalid } from '../errors';
import type { HttpClient } from '../http';
import { windowPageUrl } from '../requests';
import { splitValid, type ReplicationPage } from './page';

export interface NextLinkOptions {
  http: HttpClient;
  serviceRoot: string;
  /** Path of the replication endpoint relative to the service root. */
  resourcePath: string;
  cursorField: string;
  keyField: string;
  select?: string[];
  expand?: string;
  userFilter?: string;
  requiredFilter?: string;
  extraParams?: Record<string, string>;
  pageSize: number;
  upperBound: string;
  start: SyncCursor | null;
  /** A link saved by an earlier attempt; tried first, falling back to a fresh query. */
  resumeLink?: string | null;
  orderedByTimestamp: boolean;
  count: boolean;
  signal?: AbortSignal;
  onRestart?(reason: string, from: SyncCursor | null): void;
}

/** Restarts in a row without any record arriving before resync gives up on the window. */
const MAX_FRUITLESS_RESTARTS = 3;

export async function* nextLinkPages(o: NextLinkOptions): AsyncGenerator<ReplicationPage> {
  let restartFrom = o.start;
  let url: string | null = o.resumeLink ?? windowPageUrl(o, o.start, o.count);
  let isLink = !!o.resumeLink;
  let fruitless = 0;
  // Where the previous restart began. With records in timestamp order, restarting there again
  // would meet the same refusal (more records share one timestamp than a nextLink may skip).
  let lastRestart: string | undefined;
  while (url) {
    let raw: Awaited<ReturnType<HttpClient['getCollection']>>;
    try {
      raw = await o.http.getCollection(url, o.signal);
    } catch (err) {
      // Only a link can go stale; a refused window query is a real error.
      if (!(err instanceof SourceRequestRejected) || !isLink) throw err;
      if (++fruitless > MAX_FRUITLESS_RESTARTS) throw err;
      const point = restartFrom?.timestamp ?? '';
      if (o.orderedByTimestamp && point === lastRestart) {
        throw new SourceRequestRejected(
          `${err.message} (and restarting from ${point || 'the window start'} again made no progress)`,
          err.status,
        );
      }
      lastRestart = point;
      o.onRestart?.(err.message, restartFrom);
      url = windowPageUrl(o, restartFrom, false);
      isLink = false;
      continue;
    }
    const { records, rejects, newest } = splitValid(raw.records, o.cursorField, o.keyField);
    if (raw.records.length > 0 && records.length + rejects.length > 0) fruitless = 0;
    if (o.orderedByTimestamp && newest) {
      // Inclusive restart at the newest timestamp seen: records sharing it are fetched again
      // rather than risked.
      restartFrom = { timestamp: newest, key: '' };
    }
    const next: string | null = raw.nextLink ? new URL(raw.nextLink, url).href : null;
    if (next === url) throw new SourceResponseInvalid(`nextLink points at the page just read: ${url}`);
    yield { records, rejects, cursor: restartFrom, nextLink: next, more: next !== null, count: raw.count, bytes: raw.bytes, url };
    url = next;
    isLink = true;
  }
}
