/**
 * Every request resync makes to an MLS for a resource's records is built here: replication pages
 * (sync and the key download), counts, the newest timestamp, keys by list, one record. Each one
 * carries the platform's required clause, the live-records clause where it asks for what exists,
 * and the user's `$filter` written the way the platform accepts it (typed enum literals on RMLS and
 * UtahRealEstate) — so no caller can forget one of them.
 */
import type { ResourceConfig } from '../../config';
import type { SyncCursor } from '../destinations/destination';
import { toODataLiteral } from '../common/timestamps';
import type { ResourceModel } from '../destinations/destination';
import type { WindowRequest } from './paging';
import { buildResourceUrl, composeFilter, idListFilters, keyLiteral, keysetFilter } from './query';
import { isNumericKey, replicatedFields } from './replicated-fields';
import { userFilterFor } from './user-filter';
import type { SourceRuntime } from '../runtime';

/** One configured resource of one source: what every request depends on. */
export interface RequestTarget {
  src: Pick<SourceRuntime, 'config' | 'platform'>;
  resource: ResourceModel;
  resourceConfig: ResourceConfig;
}

export interface FilterParts {
  /** The platform's clauses, bare (MLS Grid refuses them in parentheses). */
  required?: string;
  /** The user's `$filter`, as the platform accepts it. */
  user?: string;
}

/**
 * The filter clauses of a request. `liveOnly`: leave out what the platform marks deleted (MLS Grid
 * `MlgCanView eq true`) — for counts, key downloads and an initial load, which want what exists.
 * `withUserFilter: false`: the record lookup, which finds a record by key whatever the filter says.
 */
export function filterParts(t: RequestTarget, opts: { liveOnly: boolean; withUserFilter?: boolean }): FilterParts {
  const { platform, config } = t.src;
  const live = opts.liveOnly ? platform.deleteSignal?.liveFilter : undefined;
  const clauses = [platform.requiredFilter?.(config), live].filter((c): c is string => !!c);
  const user = opts.withUserFilter === false ? undefined : userFilterFor(platform, t.resource, t.resourceConfig.filter);
  return { ...(clauses.length ? { required: clauses.join(' and ') } : {}), ...(user ? { user } : {}) };
}

/** Where a replication request goes: the platform's replication endpoint of the resource. */
function pathOf(t: RequestTarget): string {
  return t.src.platform.resourcePath(t.resource.resource);
}

/** What replicationPages needs besides the HTTP client and the position. */
export type PagesRequest = Omit<WindowRequest, 'http' | 'start' | 'resumeLink' | 'signal' | 'onRestart'>;

/** Sync's pages: the resource's fields and children, at its page size. */
export function syncPagesRequest(t: RequestTarget, opts: { upperBound: string; initialLoad: boolean; pageSize: number }): PagesRequest {
  const { select, expand } = replicatedFields(t.resource, t.resourceConfig, t.src.platform);
  return {
    ...windowBase(t, filterParts(t, { liveOnly: opts.initialLoad })),
    ...(select ? { select } : {}),
    ...(expand ? { expand } : {}),
    pageSize: opts.pageSize,
    upperBound: opts.upperBound,
    count: false,
  };
}

/** The key download's pages: key, cursor and delete-signal fields only, live records only. */
export function keyPagesRequest(t: RequestTarget, opts: { upperBound: string; count: boolean }): PagesRequest {
  const { platform } = t.src;
  const deleteSignal = platform.deleteSignal;
  return {
    ...windowBase(t, filterParts(t, { liveOnly: true })),
    // The cursor field is needed to page by (timestamp, key) and to restart a nextLink window.
    select: [t.resource.keyField, t.resource.cursorField, ...(deleteSignal ? [deleteSignal.field] : [])],
    pageSize: platform.pageSize.keyOnlyMax,
    upperBound: opts.upperBound,
    count: opts.count,
  };
}

function windowBase(
  t: RequestTarget,
  filter: FilterParts,
): Pick<
  WindowRequest,
  'platform' | 'serviceRoot' | 'resource' | 'cursorField' | 'keyField' | 'numericKey' | 'userFilter' | 'requiredFilter'
> {
  return {
    platform: t.src.platform,
    serviceRoot: t.src.config.url,
    resource: t.resource.resource,
    cursorField: t.resource.cursorField,
    keyField: t.resource.keyField,
    numericKey: isNumericKey(t.resource),
    ...(filter.user ? { userFilter: filter.user } : {}),
    ...(filter.required ? { requiredFilter: filter.required } : {}),
  };
}

/**
 * The comparisons of a replication window from `from` to `upperBound`, as its pages ask them:
 * keyset platforms resume after `(timestamp, key)` (key '': the timestamp inclusive); nextLink
 * platforms, which cannot order by key, from the timestamp — inclusive for key '', else after it
 * (every record at the timestamp is known to be held, see resumeAfterTie).
 */
export function windowClauses(
  t: Pick<RequestTarget, 'src' | 'resource'>,
  from: SyncCursor | null,
  upperBound: string,
): (string | undefined)[] {
  const { platform } = t.src;
  const { cursorField, keyField } = t.resource;
  if (platform.paging === 'keyset' && platform.orderbyAllowed) {
    return [keysetFilter({ cursorField, keyField, numericKey: isNumericKey(t.resource), after: from, upperBound })];
  }
  return [afterTimestamp(cursorField, from), `${cursorField} le ${toODataLiteral(upperBound)}`];
}

function afterTimestamp(cursorField: string, from: SyncCursor | null): string | undefined {
  if (!from) return undefined;
  return `${cursorField} ${from.key === '' ? 'ge' : 'gt'} ${toODataLiteral(from.timestamp)}`;
}

/**
 * `@odata.count` of the resource as configured, optionally of a window from `from` to
 * `upperBound` exactly as its pages ask it. One record of the key field comes along: some servers
 * refuse `$top=0`.
 */
export function countUrl(t: RequestTarget, opts: { window?: { from: SyncCursor | null; upperBound: string }; liveOnly: boolean }): string {
  const window = opts.window ? windowClauses(t, opts.window.from, opts.window.upperBound) : [];
  return buildResourceUrl(t.src.config.url, pathOf(t), {
    filter: composeFilter({ ...filterParts(t, { liveOnly: opts.liveOnly }), window }),
    select: [t.resource.keyField],
    top: 1,
    count: true,
  });
}

/** `@odata.count` of the live records in `[timestamp, until)`: those a destination stores at one timestamp. */
export function tieCountUrl(t: RequestTarget, tie: { timestamp: string; until: string }): string {
  const c = t.resource.cursorField;
  return buildResourceUrl(t.src.config.url, pathOf(t), {
    filter: composeFilter({
      ...filterParts(t, { liveOnly: true }),
      window: [`${c} ge ${toODataLiteral(tie.timestamp)}`, `${c} lt ${toODataLiteral(tie.until)}`],
    }),
    select: [t.resource.keyField],
    top: 1,
    count: true,
  });
}

/** The newest live record's key and cursor timestamp (needs `$orderby`: check platform.orderbyAllowed). */
export function newestUrl(t: RequestTarget): string {
  return buildResourceUrl(t.src.config.url, pathOf(t), {
    filter: composeFilter({ ...filterParts(t, { liveOnly: true }), window: [] }),
    select: [t.resource.keyField, t.resource.cursorField],
    orderby: [`${t.resource.cursorField} desc`],
    top: 1,
  });
}

/**
 * One record by key, with the fields a sync downloads (children left out). A `$filter` on the key
 * rather than `Resource('key')`: every platform answers a filter, not every one serves single
 * entities, and the required clause can ride along. The user's filter is left out: a record
 * lookup shows the record whatever the filter says of it.
 */
export function recordUrl(t: RequestTarget, key: string): string {
  const { select } = replicatedFields(t.resource, t.resourceConfig, t.src.platform);
  const byKey = `${t.resource.keyField} eq ${keyLiteral(key, isNumericKey(t.resource))}`;
  return buildResourceUrl(t.src.config.url, pathOf(t), {
    filter: composeFilter({ ...filterParts(t, { liveOnly: true, withUserFilter: false }), window: [byKey] }),
    ...(select ? { select } : {}),
    top: 1,
  });
}

/**
 * Full records of these keys (reconcile's re-fetch): ID-list requests (`Key in (…)` or
 * `Key eq … or …`) each within the platform's URL budget, with sync's fields and children, and
 * no more keys a request than its `$top` (where `$top` caps the total, more would be lost silently).
 */
export function byKeysUrls(t: RequestTarget, keys: string[], opts: { numericKey: boolean; maxKeys: number }): string[] {
  const { platform } = t.src;
  const { select, expand } = replicatedFields(t.resource, t.resourceConfig, platform);
  const top = Math.min(keys.length, opts.maxKeys, expand ? platform.pageSize.expandMax : platform.pageSize.max);
  const filter = filterParts(t, { liveOnly: false });
  const urlFor = (idFilter: string) =>
    buildResourceUrl(t.src.config.url, pathOf(t), {
      filter: composeFilter({ ...filter, window: [idFilter] }),
      ...(select ? { select } : {}),
      ...(expand ? { expand } : {}),
      top,
    });
  const filters = idListFilters({
    keyField: t.resource.keyField,
    keys,
    numericKey: opts.numericKey,
    style: platform.idList.style,
    maxUrlLength: platform.idList.maxUrlLength,
    maxKeys: top,
    // The URL around the list, with room for the parentheses composeFilter may add.
    baseUrlLength: urlFor('').length + 16,
  });
  return filters.map(urlFor);
}

/** What a keyset page request is made of (built by syncPagesRequest/keyPagesRequest). */
export interface KeysetPageParts {
  serviceRoot: string;
  /** The replication path of the resource. */
  resource: string;
  cursorField: string;
  keyField: string;
  numericKey: boolean;
  select?: string[];
  expand?: string;
  userFilter?: string;
  requiredFilter?: string;
  pageSize: number;
  upperBound: string;
}

/** A keyset page: `(ts, key) > after`, `ts ≤ upperBound`, ordered by both. */
export function keysetPageUrl(o: KeysetPageParts, after: SyncCursor | null, withCount: boolean): string {
  const window = keysetFilter({
    cursorField: o.cursorField,
    keyField: o.keyField,
    numericKey: o.numericKey,
    after,
    upperBound: o.upperBound,
  });
  return buildResourceUrl(o.serviceRoot, o.resource, {
    filter: composeFilter({ required: o.requiredFilter, user: o.userFilter, window: [window] }),
    ...(o.select ? { select: o.select } : {}),
    ...(o.expand ? { expand: o.expand } : {}),
    orderby: [`${o.cursorField} asc`, `${o.keyField} asc`],
    top: o.pageSize,
    count: withCount,
  });
}

/** What a nextLink window query is made of. */
export interface WindowPageParts {
  serviceRoot: string;
  resourcePath: string;
  cursorField: string;
  select?: string[];
  expand?: string;
  userFilter?: string;
  requiredFilter?: string;
  extraParams?: Record<string, string>;
  pageSize: number;
  upperBound: string;
}

/** The first request of a nextLink window `[from, upperBound]` (from inclusive); the server's links follow. */
export function windowPageUrl(o: WindowPageParts, from: SyncCursor | null, withCount: boolean): string {
  const window = [afterTimestamp(o.cursorField, from), `${o.cursorField} le ${toODataLiteral(o.upperBound)}`];
  const url = buildResourceUrl(o.serviceRoot, o.resourcePath, {
    filter: composeFilter({ required: o.requiredFilter, user: o.userFilter, window }),
    ...(o.select ? { select: o.select } : {}),
    ...(o.expand ? { expand: o.expand } : {}),
    top: o.pageSize,
    count: withCount,
  });
  const extra = Object.entries(o.extraParams ?? {})
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return extra ? `${url}&${extra}` : url;
}
