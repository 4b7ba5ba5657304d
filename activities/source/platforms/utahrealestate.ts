import { baseline, type Platform } from './platform';

/**
 * UtahRealEstate. Bearer token; `$top` at most 200; `$orderby` allowed, so resync uses keyset
 * paging. Enum literals in `$filter` must be typed (`Odata.Models.StandardStatus'Active'`).
 */
export const utahrealestate: Platform = {
  ...baseline,
  name: 'utahrealestate',
  paging: 'keyset',
  pageSize: { default: 200, max: 200, keyOnlyMax: 200, expandMax: 200 },
  enumLiterals: 'typed',
};
