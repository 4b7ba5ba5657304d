import { quoteString } from '../query';
import { baseline, type Platform } from './platform';

/**
 * MLS Grid v2. Static bearer token. No `$orderby`: records arrive in ModificationTimestamp order
 * through nextLinks (a visible `$skip`; very deep skips fail with 400, so resync restarts from the
 * last timestamp). Every data request carries exactly one `OriginatingSystemName eq '<mls>'`, not
 * wrapped in parentheses. Deletions arrive as `MlgCanView=false` records. 2 req/s, 7,200/hour,
 * 40,000/day and 4 GB/hour; going over can suspend the token.
 */
export const mlsgrid: Platform = {
  ...baseline,
  name: 'mlsgrid',
  paging: 'nextLink',
  nextLinkOrderedByTimestamp: true,
  pageSize: { default: 1000, max: 5000, keyOnlyMax: 5000, expandMax: 1000 },
  orderbyAllowed: false,
  requiredFilter: (source) => {
    if (!source.originatingSystemName) {
      throw new Error('MLS Grid sources need originatingSystemName (e.g. "actris") in the config');
    }
    return `OriginatingSystemName eq ${quoteString(source.originatingSystemName)}`;
  },
  requiredFilterBare: true,
  deleteSignal: { field: 'MlgCanView', deletedValue: false, liveFilter: 'MlgCanView eq true' },
  idList: { style: 'in', maxUrlLength: 7000 },
  rateLimits: { perSecond: 2, perHour: 7200, perDay: 40_000, bytesPerHour: 4 * 1024 ** 3 },
  selectInsideExpand: false,
  mediaUserAgentIsToken: true,
};
