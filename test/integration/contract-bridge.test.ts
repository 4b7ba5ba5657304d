/**
 * Bridge Interactive contract: `/replication` path, `$top` ≤ 2,000 there (200 elsewhere), no
 * `$orderby`, a trailing empty page, a static bearer token, burst quota headers.
 */
import { expect, it } from 'vitest';
import { describeContract, expectNoViolations, runSync } from '../support/contract';
import { expectDestinationsMatch } from '../support/compare';
import { withWorker } from '../support/stack';

describeContract({
  personality: 'bridge',
  platform: 'bridge',
  pageSize: 150,
  more: ({ sim, config, source, mls }) => {
    it('reads every page on /replication, the trailing empty one included, and nothing else', async () => {
      sim().dataset.touch(250);
      sim().resetStats();
      await withWorker(config(), async () => {
        await runSync(config(), source);
      });
      expectNoViolations(sim());
      const data = sim().stats.recentRequests.filter((u) => u.startsWith('/odata/Property/replication?') && !u.includes('%24count=true'));
      // 250 changed records at 150 a page: two pages, then the empty one Bridge ends with.
      expect(data.length).toBeGreaterThanOrEqual(3);
      expect(sim().stats.recentRequests.some((u) => u.startsWith('/odata/Property?'))).toBe(false);
      await expectDestinationsMatch(config(), source, 'Property', mls());
    });
  },
});
