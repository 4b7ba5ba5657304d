/**
 * MLS Grid contract: exactly one bare `OriginatingSystemName eq '…'` on every request, no
 * `$orderby`, `$top` as the page size, `$skip` nextLinks refused past a depth (the client restarts
 * from its last timestamp), `ACT…` keys, deletions as `MlgCanView=false` records, 2 requests/second.
 */
import { expect, it } from 'vitest';
import { describeContract, downloadKeys, expectNoViolations, runSync } from '../support/contract';
import { expectDestinationsMatch } from '../support/compare';
import pino from 'pino';
import { Runtime } from '../../activities/runtime';
import { CountsService } from '../../dashboard/server/counts';
import { mlsCount } from '../../worker/inspect/mls';
import { runKeyProcess } from '../support/key-runs';
import { query, withWorker } from '../support/stack';

describeContract({
  personality: 'mlsgrid',
  platform: 'mlsgrid',
  pageSize: 100,
  // Deep skips are refused early, so every full read restarts at least once.
  simulator: { personalityOptions: { originatingSystemName: 'actris', deepSkipLimit: 300 } },
  config: () => ({ originatingSystemName: 'actris' }),
  more: ({ sim, config, source, mls }) => {
    it('restarts from the last timestamp when a nextLink skips too deep, and still gets every key', async () => {
      expect(sim().dataset.liveKeys()[0]).toMatch(/^ACT\d{9}$/);
      sim().resetStats();
      // 100 a page: the nextLink after 300 records is refused.
      const { keys } = await downloadKeys(config(), source, 100);
      expectNoViolations(sim());
      expect(sim().stats.refusalsByReason['skip-too-deep']).toBeGreaterThanOrEqual(1);
      expect([...new Set(keys)].sort()).toEqual(sim().dataset.liveKeys());
    });

    it('deletes records that arrive with MlgCanView=false, and counts them', async () => {
      const gone = sim()
        .dataset.liveKeys()
        .filter((_, i) => i % 97 === 3);
      sim().dataset.remove(gone);
      // The shared purge test left deletion notices of its own.
      expect(sim().dataset.tombstoneKeys()).toEqual(expect.arrayContaining(gone));
      sim().resetStats();
      const { result } = await withWorker(config(), () => runSync(config(), source));
      expectNoViolations(sim());
      expect(result.deleted).toBe(gone.length);
      const dest = Object.values(config().destinations)[0]!.url;
      const left = await query<{ n: number }>(dest, `SELECT COUNT(*) AS n FROM Property WHERE ListingKey IN (?)`, [gone]);
      expect(left[0]?.n).toBe(0);
      await expectDestinationsMatch(config(), source, 'Property', mls());
    });

    it('purges listings the MLS deleted, asking only for live records, with no violation', async () => {
      const gone = sim()
        .dataset.liveKeys()
        .filter((_, i) => i % 89 === 5);
      sim().dataset.remove(gone);
      sim().resetStats();
      const { result, failure } = await withWorker(config(), () => runKeyProcess(config(), 'purge', { source }));
      expect(failure).toBeUndefined();
      expectNoViolations(sim());
      expect(result!.deleted).toBe(gone.length);
      expect(result!.keysStaged).toBe(sim().dataset.liveKeys().length);
      const keyRequests = sim().stats.recentExchanges.filter((e) => e.url.includes('Property?') && !e.url.includes('%24expand'));
      expect(keyRequests.length).toBeGreaterThan(0);
      for (const e of keyRequests) expect(decodeURIComponent(e.url)).toContain('MlgCanView eq true');
      await expectDestinationsMatch(config(), source, 'Property', mls());
    });

    it('counts live listings only for status and the dashboard: deletion notices are not listings', async () => {
      const live = sim().dataset.liveKeys().length;
      expect(sim().dataset.tombstoneKeys().length).toBeGreaterThan(0);
      const runtime = new Runtime(config(), pino({ level: 'silent' }));
      try {
        expect(await mlsCount(runtime, await runtime.resourceModel(source, 'Property'))).toBe(live);
        const counts = await new CountsService(config(), runtime).get(source, { refresh: true });
        expect(counts.resources[0]!.mls.count).toBe(live);
        expect(counts.status).toBe('match');
        expectNoViolations(sim());
      } finally {
        await runtime.close();
      }
    });

    it('keeps to 2 requests a second over a 60-request run: no 429', async () => {
      sim().resetStats();
      const started = Date.now();
      // 10 keys a page: about 60 requests for the whole key list.
      const { keys, pages } = await downloadKeys(config(), source, 10);
      expect(pages).toBeGreaterThanOrEqual(55);
      expect([...new Set(keys)].sort()).toEqual(sim().dataset.liveKeys());
      const stats = sim().stats;
      expect(stats.byStatus['429']).toBeUndefined();
      expectNoViolations(sim());
      // At 2 a second, 60 requests cannot take less than ~29 s.
      expect(Date.now() - started).toBeGreaterThanOrEqual(((stats.requests - 2) / 2) * 1000);
    }, 240_000);

    it('waits at least Retry-After after a 429, then succeeds', async () => {
      sim().dataset.touch(60);
      sim().resetStats();
      sim().faults.add({ kind: '429', count: 1, retryAfterSeconds: 2, match: 'Property?' });
      await withWorker(config(), () => runSync(config(), source));
      expectNoViolations(sim());
      const exchanges = sim().stats.recentExchanges;
      const refused = exchanges.findIndex((e) => e.status === 429);
      expect(refused).toBeGreaterThanOrEqual(0);
      const next = exchanges[refused + 1];
      expect(next, 'a request after the 429').toBeDefined();
      expect(next!.at - exchanges[refused]!.at).toBeGreaterThanOrEqual(2000);
      await expectDestinationsMatch(config(), source, 'Property', mls());
    });
  },
});
