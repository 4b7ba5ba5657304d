import { baseline, type Platform } from './platform';

/**
 * A standard RESO Web API server: `$top` caps the total result and `$orderby` works, so resync
 * pages by keyset on (timestamp, key) and never depends on `$skip` or nextLinks.
 */
export const generic: Platform = {
  ...baseline,
  name: 'generic',
  paging: 'keyset',
  pageSize: { default: 500, max: 1000, keyOnlyMax: 10_000, expandMax: 500 },
};
