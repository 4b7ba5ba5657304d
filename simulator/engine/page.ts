/**
 * One page of a collection request: resolves the result, finds where this page starts (`$skip`
 * on the first page, the skiptoken after), applies the page size and `$top`, and says how to
 * continue. Both `$top` meanings are implemented (see Personality.topSemantics).
 */
import { FilterTypeError } from '../odata/evaluate';
import type { ParsedQuery } from '../odata/query';
import { decodeSkipToken, encodeSkipToken } from '../odata/skiptoken';
import type { Personality } from '../personalities/types';
import { badRequest, refused } from './errors';
import { resolveResults } from './results';
import type { ResultCache } from './results';
import type { EntityTable } from './table';

export interface PageRequest {
  table: EntityTable;
  query: ParsedQuery;
  personality: Personality;
  /** `Prefer: odata.maxpagesize` value, if sent. */
  preferredPageSize?: number;
  cache?: ResultCache;
  /** Whether the request came through the platform's replication endpoint. */
  replication?: boolean;
  /** Clock (ms since the epoch), for nextLink idle expiry. */
  now?: number;
}

/** How the next request continues: replace these options in the request's query. */
export interface Continuation {
  skiptoken?: string;
  skip?: number;
  top?: number;
}

export interface Page {
  rows: number[];
  count?: number;
  next?: Continuation;
  /** The page size used, to answer `Preference-Applied`. */
  pageSize: number;
}

function choosePageSize(req: PageRequest, tokenPageSize: number | undefined): number {
  const p = req.personality;
  if (p.topSemantics === 'page-size') return Math.max(1, req.query.top ?? p.defaultPageSize);
  if (req.preferredPageSize !== undefined && p.honorsMaxPageSize) return Math.max(1, Math.min(req.preferredPageSize, p.maxPageSize));
  return tokenPageSize ?? p.defaultPageSize;
}

export function computePage(req: PageRequest): Page {
  const { table, query, personality } = req;
  const token = query.skiptoken === undefined ? undefined : decodeSkipToken(query.skiptoken);
  if (query.skiptoken !== undefined && !token) throw badRequest('invalid-skiptoken', '$skiptoken is not one this server issued');
  const now = req.now ?? Date.now();
  const idle = personality.nextLinkIdleMs;
  if (token?.issuedAt !== undefined && idle !== undefined && now - token.issuedAt > idle) {
    throw refused('nextlink-expired', `this nextLink expired: it was not used within ${idle} ms; query the window again`);
  }
  const depth = token?.sent ?? query.skip ?? 0;
  const beyond = personality.replicationRequiredBeyond;
  if (!req.replication && beyond !== undefined && depth >= beyond) {
    throw badRequest('replication-required', `queries may page through ${beyond} records; read more through the replication endpoint`);
  }
  const pageSize = choosePageSize(req, token?.pageSize);

  let resolved;
  try {
    resolved = resolveResults(table, query, req.cache);
  } catch (err) {
    if (err instanceof FilterTypeError) throw badRequest('invalid-filter', `$filter: ${err.message}`);
    throw err;
  }
  const { result } = resolved;

  const sent = token?.sent ?? 0;
  let start: number;
  if (token?.after && result.positionAfter) start = result.positionAfter(token.after);
  else start = token?.offset ?? query.skip ?? 0;
  start = Math.min(start, result.length);

  const limit = personality.topSemantics === 'total' && query.top !== undefined ? Math.max(0, query.top - sent) : Infinity;
  const length = Math.min(pageSize, limit, result.length - start);
  const rows: number[] = [];
  for (let i = 0; i < length; i++) rows.push(result.rowAt(start + i));

  const page: Page = { rows, pageSize };
  if (query.count) page.count = result.length;
  const more = start + length < result.length && length < limit;
  // A platform that ends with an empty page announces it like any other.
  const trailing = !more && personality.trailingEmptyPage === true && length > 0 && start + length >= result.length;
  if (!more && !trailing) return page;

  if (personality.nextLinkStyle === 'skip') {
    page.next = { skip: start + length };
    if (personality.topSemantics === 'total' && query.top !== undefined) page.next.top = query.top - sent - length;
    return page;
  }
  const last = rows[rows.length - 1];
  const after = last !== undefined && result.positionAfter ? result.cursorOf?.(last) : undefined;
  page.next = {
    skiptoken: encodeSkipToken({
      sent: sent + length,
      pageSize,
      ...(after ? { after } : { offset: start + length }),
      ...(idle !== undefined ? { issuedAt: now } : {}),
    }),
  };
  return page;
}
