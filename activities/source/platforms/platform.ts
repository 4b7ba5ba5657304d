/**
 * A platform is data plus a few named hooks. Differences between MLS platforms are answered by
 * looking up a capability here, never by `if (platform === …)` elsewhere. Adding a platform means
 * adding one module to this folder and one line to index.ts.
 */
import type { SourceConfig } from '../../../config';

export interface RateLimits {
  perSecond?: number;
  perMinute?: number;
  perHour?: number;
  perDay?: number;
  bytesPerHour?: number;
}

export interface Platform {
  name: string;
  /**
   * `keyset`: `$orderby=(timestamp, key)` windows, resumable anywhere (needs $orderby).
   * `nextLink`: the platform's replication paging; resumable from the last timestamp.
   */
  paging: 'keyset' | 'nextLink';
  /** Records arrive in timestamp order when following nextLinks (so the last one is a safe restart point). */
  nextLinkOrderedByTimestamp: boolean;
  pageSize: {
    default: number;
    /** Largest `$top` for full records. */
    max: number;
    /** Largest `$top` when selecting key fields only (purge/reconcile key downloads). */
    keyOnlyMax: number;
    /** Largest `$top` with `$expand`. */
    expandMax: number;
  };
  orderbyAllowed: boolean;
  /** Whether `$count=true` is answered on data requests. */
  supportsCount: boolean;
  /** Clauses the platform demands on every data request, and whether they must stay unwrapped. */
  requiredFilter?(source: SourceConfig): string | undefined;
  requiredFilterBare?: boolean;
  /**
   * A record in the incremental feed that means "deleted" (MLS Grid: MlgCanView=false), and the
   * clause that leaves such records out (for an initial load or a key download, which want only
   * what exists).
   */
  deleteSignal?: { field: string; deletedValue: unknown; liveFilter?: string };
  /** How a list of keys is asked for (reconcile, record lookup), within a URL budget. */
  idList: { style: 'in' | 'or'; maxUrlLength: number };
  /** `typed`: enum literals must be written `Namespace.EnumType'Value'`. */
  enumLiterals: 'plain' | 'typed';
  rateLimits: RateLimits;
  /** Path of a resource's replication endpoint, relative to the service root. */
  resourcePath(resource: string): string;
  /** Extra query options on replication requests (Trestle: replication=true). */
  replicationParams?: Record<string, string>;
  /** Subtracted from the high-water mark: some platforms serve cached results for a while. */
  lookBackMs: number;
  /** Whether `$select` may be used inside `$expand`. */
  selectInsideExpand: boolean;
  /** Media URLs need `User-Agent: <token>` (MLS Grid). */
  mediaUserAgentIsToken?: boolean;
}

/** Defaults shared by most platforms; each module overrides what differs. */
export const baseline: Omit<Platform, 'name'> = {
  paging: 'nextLink',
  nextLinkOrderedByTimestamp: false,
  pageSize: { default: 200, max: 200, keyOnlyMax: 200, expandMax: 200 },
  orderbyAllowed: true,
  supportsCount: true,
  idList: { style: 'in', maxUrlLength: 5000 },
  enumLiterals: 'plain',
  rateLimits: {},
  resourcePath: (resource) => resource,
  lookBackMs: 0,
  selectInsideExpand: true,
};

/**
 * `$top` for a request: what the resource asks for (or the platform's default), within the
 * platform's cap for that kind of request — key fields only, with `$expand`, or full records.
 */
export function pageSizeFor(
  platform: Pick<Platform, 'pageSize'>,
  opts: { requested?: number; keyOnly?: boolean; expand?: boolean },
): number {
  const caps = platform.pageSize;
  const cap = opts.keyOnly ? caps.keyOnlyMax : opts.expand ? Math.min(caps.expandMax, caps.max) : caps.max;
  return Math.max(1, Math.min(opts.requested ?? (opts.keyOnly ? caps.keyOnlyMax : caps.default), cap));
}
