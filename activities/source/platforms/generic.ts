import type { Platform } from './platform';

/**
 * A standard RESO Web API server: `$top` caps the total result, `$orderby` works, so resync pages
 * by keyset on (timestamp, key) and never depends on `$skip` or nextLinks.
 */
export const generic: Platform = {
  name: 'generic',
  maxPageSize: 1000,
  defaultPageSize: 500,
  orderbyAllowed: true,
  supportsCount: true,
};
