/**
 * A platform is data plus a few named hooks. Differences between MLS platforms are answered by
 * looking up a capability here, never by `if (platform === …)` elsewhere.
 */
export interface Platform {
  name: string;
  /** Largest `$top` for full records. */
  maxPageSize: number;
  /** Default page size when the resource config names none. */
  defaultPageSize: number;
  /** Whether `$orderby` is accepted on replication queries (needed for keyset paging). */
  orderbyAllowed: boolean;
  /** Whether the server honours `$count=true` in the replication query. */
  supportsCount: boolean;
}
