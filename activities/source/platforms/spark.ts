import { baseline, type Platform } from './platform';

/**
 * Spark (FBS). Bearer token with the replication role, on a separate replication host (the
 * source URL). nextLinks carry a `$skiptoken`; `$orderby` is limited, so nextLinks are used.
 * Results are cached for a while: incremental queries look back 20 minutes.
 */
export const spark: Platform = {
  ...baseline,
  name: 'spark',
  paging: 'nextLink',
  nextLinkOrderedByTimestamp: false,
  pageSize: { default: 1000, max: 1000, keyOnlyMax: 1000, expandMax: 1000 },
  orderbyAllowed: false,
  lookBackMs: 20 * 60 * 1000,
};
