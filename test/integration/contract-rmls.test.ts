/**
 * RMLS contract: bearer token, nextLink paging with `$top` ≤ 200, lower-case `or`, no `in`, typed
 * enum literals, URLs within ~5,200 characters.
 */
import { describeContract } from '../support/contract';

describeContract({
  personality: 'rmls',
  platform: 'rmls',
  pageSize: 150,
  filter: {
    text: "PropertyType eq 'Residential' or PropertyType eq 'Land'",
    keeps: (r) => r.PropertyType === 'Residential' || r.PropertyType === 'Land',
  },
});
