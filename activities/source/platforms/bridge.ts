import { baseline, type Platform } from './platform';

/**
 * Bridge Interactive. Static bearer token. The `/replication` endpoint pages by nextLink, up to
 * 2,000 records, with no `$orderby`, and sometimes ends with an empty page. Hourly quota with a
 * per-minute burst of 1/15 of it (Burst-RateLimit-* headers).
 */
export const bridge: Platform = {
  ...baseline,
  name: 'bridge',
  paging: 'nextLink',
  nextLinkOrderedByTimestamp: false,
  pageSize: { default: 2000, max: 2000, keyOnlyMax: 2000, expandMax: 200 },
  orderbyAllowed: false,
  resourcePath: (resource) => `${resource}/replication`,
  idList: { style: 'in', maxUrlLength: 5000 },
  rateLimits: { perHour: 5000, perMinute: 333 },
};
