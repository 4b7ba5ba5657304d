/** Spark contract: bearer token, `$top` ≤ 1,000 as the page size, `$skiptoken` nextLinks, no `$orderby`. */
import { describeContract } from '../support/contract';

describeContract({ personality: 'spark', platform: 'spark', pageSize: 250 });
