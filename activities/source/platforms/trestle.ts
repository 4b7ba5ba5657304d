import { baseline, type Platform } from './platform';

/**
 * Trestle (Cotality, formerly CoreLogic). OAuth2 client credentials (scope `api`, expiring token).
 * `replication=true` gives opaque nextLinks that expire after ~5 idle minutes; a key-only select
 * may page 300,000 at a time. Quotas: ~7,200 requests/hour and 180/minute per feed. The metadata
 * namespace was renamed once, so nothing here depends on it.
 */
export const trestle: Platform = {
  ...baseline,
  name: 'trestle',
  paging: 'nextLink',
  nextLinkOrderedByTimestamp: false,
  pageSize: { default: 1000, max: 1000, keyOnlyMax: 300_000, expandMax: 1000 },
  replicationParams: { replication: 'true' },
  idList: { style: 'in', maxUrlLength: 7000 },
  rateLimits: { perMinute: 180, perHour: 7200 },
};
