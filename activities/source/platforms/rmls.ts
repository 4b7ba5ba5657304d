import { baseline, type Platform } from './platform';

/**
 * RMLS. Bearer token, nextLink paging. ID lists are `Key eq 'a' or Key eq 'b'` with a lower-case
 * `or` (upper-case is rejected) within ~5,200 characters of URL; enum literals are typed.
 */
export const rmls: Platform = {
  ...baseline,
  name: 'rmls',
  paging: 'nextLink',
  pageSize: { default: 200, max: 200, keyOnlyMax: 200, expandMax: 200 },
  idList: { style: 'or', maxUrlLength: 5200 },
  enumLiterals: 'typed',
};
