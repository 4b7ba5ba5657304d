/**
 * UtahRealEstate contract: bearer token, `$top` ≤ 200, `$orderby` allowed (keyset paging), and
 * enum values in `$filter` as typed literals — the configured filter is written with plain ones.
 */
import { describeContract } from '../support/contract';

describeContract({
  personality: 'utahrealestate',
  platform: 'utahrealestate',
  pageSize: 150,
  filter: { text: "PropertyType eq 'Residential'", keeps: (r) => r.PropertyType === 'Residential' },
});
