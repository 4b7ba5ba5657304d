/**
 * Replication paging by nextLink (Trestle `replication=true`, MLS Grid, Bridge `/replication`,
 * Spark): one query for the window, then the links the server hands out. A link can expire
 * (Trestle: ~5 idle minutes) or refuse a very deep `$skip` (MLS Grid: 400): the window is then
 * queried again from the restart point — the last timestamp received where the platform sends
 * records in timestamp order, else the window's start (upserts make the repeat harmless).
 */
import type { SyncCursor } from '../../destinations/destination';
import { SourceRequestRejected, SourceResponseInvalid } from '../errors';
import type { HttpClient, ODataPage } from '../http';
import type { LinePlan } from '../../common/load-lines';
import { windowPageUrl } from '../requests';
import { splitValid, type ReplicationPage } from './page';

export interface NextLinkOptions {
  http: HttpClient;
  /** The plan of the LOAD DATA lines to write beside each page's records (common/load-lines.ts). */
  lines?: () => LinePlan | undefined;
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
  /**
   * Asked when the link to the page after the one being awaited is known (read off the body before
   * it is parsed): true requests that page at once. Unset: each page is requested when the caller
   * asks for it.
   */
  prefetch?: () => boolean;
}

/** A page request under way. */
interface PageFetch {
  url: string;
  result: Promise<ODataPage>;
  abort(): void;
  /** The link to the following page, once the body's hint is in (absolute). */
  hint?: string;
  onHint?: ((href: string) => void) | undefined;
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
  /** The following page, requested early (o.prefetch) on its link's hint (set from a callback). */
  const early: { ahead?: PageFetch | undefined } = {};
  // A function, not inline code: TypeScript cannot see the callback that sets early.ahead.
  const dropAhead = () => {
    early.ahead?.abort();
    early.ahead = undefined;
  };
  try {
    while (url) {
      const current: PageFetch = early.ahead?.url === url ? early.ahead : requestPage(o, url);
      // Taken over as the current page, or not the page wanted after all (a restart).
      if (early.ahead === current) early.ahead = undefined;
      else dropAhead();
      if (o.prefetch) {
        // At most one page beyond the one awaited: the request goes out while this body is parsed.
        const prefetch = o.prefetch;
        const follow = (href: string) => {
          if (!early.ahead && href !== current.url && prefetch()) early.ahead = requestPage(o, href);
        };
        if (current.hint !== undefined) follow(current.hint);
        else current.onHint = follow;
      }
      let raw: ODataPage;
      try {
        raw = await current.result;
      } catch (err) {
        dropAhead();
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
      } finally {
        current.onHint = undefined;
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
      // The parsed body has the last word: a hint that named another page was a wasted request.
      if ((early.ahead as PageFetch | undefined)?.url !== next) dropAhead();
      yield {
        records,
        rejects,
        cursor: restartFrom,
        nextLink: next,
        more: next !== null,
        count: raw.count,
        bytes: raw.bytes,
        url,
        nextRequested: early.ahead !== undefined,
      };
      url = next;
      isLink = true;
    }
  } finally {
    // The caller stopped early (or failed): the page requested ahead is not wanted.
    dropAhead();
  }
}

/** One page's request, cancelled by the caller's signal or by abort(); its hint kept or passed on. */
function requestPage(o: NextLinkOptions, url: string): PageFetch {
  const controller = new AbortController();
  const cancel = () => controller.abort(o.signal?.reason);
  if (o.signal?.aborted) cancel();
  else o.signal?.addEventListener('abort', cancel, { once: true });
  const fetch: PageFetch = {
    url,
    abort: () => controller.abort(new Error('page requested ahead is not needed')),
    result: Promise.resolve(undefined as never),
  };
  const onNextLink = (link: string) => {
    let href: string;
    try {
      href = new URL(link, url).href;
    } catch {
      return; // not a URL: the parsed body will say what it is
    }
    fetch.hint = href;
    fetch.onHint?.(href);
  };
  const lines = o.lines?.();
  const options = { ...(o.prefetch ? { onNextLink } : {}), ...(lines ? { lines } : {}) };
  fetch.result = o.http.getCollection(url, controller.signal, o.prefetch || lines ? options : undefined).finally(() => {
    o.signal?.removeEventListener('abort', cancel);
  });
  // A request given up (aborted, or its turn never comes) must not surface as an unhandled rejection.
  fetch.result.catch(() => undefined);
  return fetch;
}
