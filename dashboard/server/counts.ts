/**
 * How closely each destination matches the MLS: per resource, the MLS's `@odata.count` and
 * newest timestamp beside every destination's row count and newest timestamp.
 *
 * Counting asks the MLS (rate-limited, sometimes slow) and may scan a large table, so results
 * are cached per source and refreshed in the background: a page that polls every two seconds
 * reads the cache and never waits on twenty MLSs. Destination tables are counted by their name
 * from the config's naming hooks, without $metadata, so a source whose MLS is down still shows
 * what its destinations hold.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Config } from '../../config';
import type { Runtime } from '../../activities/runtime';
import { quoteIdent } from '../../activities/destinations/mysql/identifiers';
import { buildResourceUrl, composeFilter } from '../../activities/source/query';
import { requiredClauses } from '../../activities/source/paging';
import type { CountsResponse, DestinationCount, ResourceCounts } from './api-types';
import type { DestinationPools } from './pools';
import { isoOf } from './history';
import { scrub } from './scrub';

/** A count answers for this long before a read triggers a new one. */
const FRESH_MS = 30_000;
/**
 * The MLS side is asked less often: its requests count against the platform's limits, and the
 * dashboard's client is not the worker's, so it does not share the worker's rate limiter.
 */
const MLS_FRESH_MS = 5 * 60_000;
/** Each MLS request of a check gives up after this (a source's own timeout may be a minute). */
const REQUEST_TIMEOUT_MS = 10_000;

interface Entry {
  value: CountsResponse | undefined;
  at: number;
  pending: Promise<CountsResponse> | undefined;
}

export class CountsService {
  private readonly cache = new Map<string, Entry>();
  private readonly mlsCache = new Map<string, { at: number; value: ResourceCounts['mls'] }>();

  constructor(
    private readonly config: Config,
    private readonly runtime: Runtime,
    private readonly pools: DestinationPools,
    private readonly freshMs = FRESH_MS,
  ) {}

  /** What is known now, never waiting; starts a check when there is none or it is old. */
  peek(source: string): CountsResponse {
    const entry = this.entry(source);
    if (!entry.value || Date.now() - entry.at > this.freshMs) void this.refresh(source).catch(() => undefined);
    return entry.value ?? { source, checkedAt: null, status: 'checking', resources: [] };
  }

  /** Fresh counts: waits for a check when asked to, or when none has finished yet. */
  async get(source: string, opts: { refresh?: boolean } = {}): Promise<CountsResponse> {
    const entry = this.entry(source);
    if (opts.refresh || !entry.value) return this.refresh(source, !!opts.refresh);
    return this.peek(source);
  }

  private entry(source: string): Entry {
    let entry = this.cache.get(source);
    if (!entry) {
      entry = { value: undefined, at: 0, pending: undefined };
      this.cache.set(source, entry);
    }
    return entry;
  }

  private refresh(source: string, force = false): Promise<CountsResponse> {
    const entry = this.entry(source);
    entry.pending ??= this.check(source, force)
      .then((value) => {
        entry.value = value;
        entry.at = Date.now();
        return value;
      })
      .finally(() => {
        entry.pending = undefined;
      });
    return entry.pending;
  }

  private async check(source: string, force: boolean): Promise<CountsResponse> {
    const src = this.config.sources[source];
    if (!src) throw new Error(`source "${source}" is not in the config`);
    const destinations = src.destinations ?? Object.keys(this.config.destinations);
    const resources = await Promise.all(
      src.resources.map(async (r): Promise<ResourceCounts> => {
        const [mls, dests] = await Promise.all([
          this.cachedMlsCounts(source, r.name, r.cursorField, r.filter, force),
          Promise.all(destinations.map((d) => this.destinationCount(source, d, r.name, r.cursorField))),
        ]);
        for (const d of dests) {
          if (mls.count === null || d.count === null) continue;
          d.missing = mls.count > d.count ? mls.count - d.count : 0;
          d.extra = d.count > mls.count ? d.count - mls.count : 0;
        }
        return { resource: r.name, mls, destinations: dests };
      }),
    );
    return { source, checkedAt: new Date().toISOString(), status: statusOf(resources), resources };
  }

  private async cachedMlsCounts(source: string, resource: string, cursorField: string, userFilter: string | undefined, force: boolean) {
    const key = `${source}\u0000${resource}`;
    const cached = this.mlsCache.get(key);
    if (!force && cached && !cached.value.error && Date.now() - cached.at < Math.max(this.freshMs, MLS_FRESH_MS)) return cached.value;
    const value = await this.mlsCounts(source, resource, cursorField, userFilter);
    this.mlsCache.set(key, { at: Date.now(), value });
    return value;
  }

  private async mlsCounts(
    source: string,
    resource: string,
    cursorField: string,
    userFilter: string | undefined,
  ): Promise<ResourceCounts['mls']> {
    try {
      const rt = this.runtime.source(source);
      // Live records only (MLS Grid: not the `MlgCanView=false` deletion notices): what a destination should hold.
      const required = requiredClauses({ platform: rt.platform, requiredFilter: rt.platform.requiredFilter?.(rt.config), liveOnly: true });
      const filter = composeFilter({ required, user: userFilter, window: [] });
      // The standard resource endpoint: a count and a newest record are plain OData questions,
      // not replication, so platform replication paths are not needed here.
      const countUrl = buildResourceUrl(rt.config.url, resource, {
        ...(filter ? { filter } : {}),
        select: [cursorField],
        top: 1,
        count: true,
      });
      const countPage = rt.platform.supportsCount ? rt.http.getCollection(countUrl, AbortSignal.timeout(REQUEST_TIMEOUT_MS)) : undefined;
      const newestUrl = buildResourceUrl(rt.config.url, resource, {
        ...(filter ? { filter } : {}),
        select: [cursorField],
        orderby: [`${cursorField} desc`],
        top: 1,
      });
      const newestPage = rt.platform.orderbyAllowed ? rt.http.getCollection(newestUrl, AbortSignal.timeout(REQUEST_TIMEOUT_MS)) : undefined;
      const [counted, newest] = await Promise.all([countPage, newestPage]);
      const value = newest?.records[0]?.[cursorField];
      return { count: counted?.count ?? null, newest: typeof value === 'string' ? value : null };
    } catch (err) {
      return { count: null, newest: null, error: scrub((err as Error).message) };
    }
  }

  private async destinationCount(source: string, name: string, resource: string, cursorField: string): Promise<DestinationCount> {
    const base: DestinationCount = { name, count: null, newest: null, missing: null, extra: null };
    const dest = this.config.destinations[name];
    if (!dest) return { ...base, error: `destination "${name}" is not in the config` };
    try {
      const table = dest.makeTableName?.(source, resource) ?? resource;
      const column = dest.makeFieldName?.(resource, cursorField) ?? cursorField;
      const pool: Pool = await this.pools.get(dest.url);
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT COUNT(*) AS n, MAX(${quoteIdent(column)}) AS newest FROM ${quoteIdent(table)}`,
      );
      const newest = rows[0]?.newest as string | null | undefined;
      return { ...base, count: Number(rows[0]?.n ?? 0), newest: newest ? isoOf(newest) : null };
    } catch (err) {
      const code = (err as { code?: string }).code;
      // Nothing synced yet: the destination holds no rows, which is a fact worth comparing.
      if (code === 'ER_NO_SUCH_TABLE' || code === 'ER_BAD_DB_ERROR') return { ...base, count: 0 };
      return { ...base, error: scrub((err as Error).message) };
    }
  }
}

function statusOf(resources: ResourceCounts[]): CountsResponse['status'] {
  let complete = resources.length > 0;
  for (const r of resources) {
    for (const d of r.destinations) {
      if (r.mls.count === null || d.count === null) {
        complete = false;
        continue;
      }
      if (d.count !== r.mls.count) return 'mismatch';
    }
  }
  // "match" is a promise about every destination; one that could not be counted withholds it.
  return complete ? 'match' : 'unknown';
}
