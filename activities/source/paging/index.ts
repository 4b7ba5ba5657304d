/**
 * Chooses the paging style the platform supports. Both yield ReplicationPage, so sync does not
 * care which one runs.
 */
import type { SyncCursor } from '../../destinations/destination';
import type { HttpClient } from '../http';
import type { LinePlan } from '../../common/load-lines';
import type { Platform } from '../platforms';
import { keysetPages } from './keyset';
import { nextLinkPages } from './next-link';
import type { ReplicationPage } from './page';

export type { ReplicationPage, RejectedRecord } from './page';
export { splitValid } from './page';

export interface WindowRequest {
  http: HttpClient;
  platform: Platform;
  serviceRoot: string;
  resource: string;
  cursorField: string;
  keyField: string;
  numericKey: boolean;
  select?: string[];
  /** `$expand` value (see expandOption). */
  expand?: string;
  userFilter?: string;
  requiredFilter?: string;
  /**
   * Leave out records the platform marks deleted (MLS Grid `MlgCanView eq true`): for an initial
   * load or a key download, which want only what exists.
   */
  liveOnly?: boolean;
  pageSize: number;
  upperBound: string;
  start: SyncCursor | null;
  resumeLink?: string | null;
  count: boolean;
  signal?: AbortSignal;
  onRestart?(reason: string, from: SyncCursor | null): void;
  /** nextLink paging: whether to request the following page as soon as its link is known (see next-link.ts). */
  prefetch?: () => boolean;
  /** Asked as each page is requested: the plan its records' LOAD DATA lines are written by, if any (common/load-lines.ts). */
  lines?: () => LinePlan | undefined;
}

export function replicationPages(r: WindowRequest): AsyncGenerator<ReplicationPage> {
  const requiredFilter = requiredClauses(r);
  const common = {
    http: r.http,
    serviceRoot: r.serviceRoot,
    cursorField: r.cursorField,
    keyField: r.keyField,
    ...(r.select ? { select: r.select } : {}),
    ...(r.expand ? { expand: r.expand } : {}),
    ...(r.userFilter ? { userFilter: r.userFilter } : {}),
    ...(requiredFilter ? { requiredFilter } : {}),
    pageSize: r.pageSize,
    upperBound: r.upperBound,
    start: r.start,
    count: r.count,
    ...(r.signal ? { signal: r.signal } : {}),
    ...(r.lines ? { lines: r.lines } : {}),
  };
  if (r.platform.paging === 'keyset' && r.platform.orderbyAllowed) {
    return keysetPages({ ...common, resource: r.platform.resourcePath(r.resource), numericKey: r.numericKey });
  }
  return nextLinkPages({
    ...common,
    resourcePath: r.platform.resourcePath(r.resource),
    ...(r.platform.replicationParams ? { extraParams: r.platform.replicationParams } : {}),
    resumeLink: r.resumeLink ?? null,
    orderedByTimestamp: r.platform.nextLinkOrderedByTimestamp,
    ...(r.onRestart ? { onRestart: r.onRestart } : {}),
    ...(r.prefetch ? { prefetch: r.prefetch } : {}),
  });
}

/** The platform's clauses, bare and ANDed: the required one, then the live-records one if asked for. */
export function requiredClauses(r: Pick<WindowRequest, 'platform' | 'requiredFilter' | 'liveOnly'>): string | undefined {
  const live = r.liveOnly ? r.platform.deleteSignal?.liveFilter : undefined;
  const clauses = [r.requiredFilter, live].filter((c): c is string => !!c);
  return clauses.length ? clauses.join(' and ') : undefined;
}
