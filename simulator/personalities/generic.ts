/**
 * A standard OData v4 server, like RESO's reference server: `$top` caps the total, paging is
 * server-driven (`Prefer: odata.maxpagesize`, nextLinks with `$skiptoken`), `$orderby` allowed.
 */
import type { Personality } from './types';

export const generic: Personality = {
  name: 'generic',
  maxTop: 10_000,
  defaultPageSize: 1000,
  maxPageSize: 10_000,
  orderbyAllowed: true,
  topSemantics: 'total',
  nextLinkStyle: 'skiptoken',
  honorsMaxPageSize: true,
};
