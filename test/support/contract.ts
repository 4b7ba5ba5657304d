/**
 * Contract tests: the client against a simulator personality that enforces one platform's rules.
 * A run passes only if the simulator counted no violation and the destination (or the key list)
 * equals the MLS exactly; `describeContract` declares the tests every platform shares.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../activities/runtime';
import { replicationPages } from '../../activities/source/paging';
import { platformFor, type PlatformName } from '../../activities/source/platforms';
import { keyPagesRequest } from '../../activities/source/requests';
import { SourceRateLimited } from '../../activities/source/errors';
import { canonicalTimestamp } from '../../activities/common/timestamps';
import { CountsService } from '../../dashboard/server/counts';
import { mlsCount, mlsNewest } from '../../worker/inspect/mls';
import { runKeyProcess } from './key-runs';
import type { Config } from '../../config';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../simulator/server';
import type { PersonalityName } from '../../simulator/personalities/registry';
import { defaultToken } from '../../simulator/personalities/common';
import { expectDestinationsMatch, type RecordSource } from './compare';
import { dropDatabases, query, runSync, testConfig, uniqueName, withWorker, type TestConfigOptions } from './stack';

export { runSync, type SyncOutcome } from './stack';

/** The simulator's live records, optionally only those a `$filter` keeps. */
export function mlsOf(sim: SimulatorHandle, keep: (record: Record<string, unknown>) => boolean = () => true): RecordSource {
  return {
    keys: () => sim.dataset.liveKeys().filter((k) => keep(sim.dataset.getRecord(k)!)),
    record: (k) => sim.dataset.getRecord(k),
  };
}

/** Fails with the simulator's own account of what the client did wrong. */
export function expectNoViolations(sim: SimulatorHandle): void {
  const stats = sim.stats;
  expect(stats.violations, JSON.stringify(stats.recentViolations.slice(-5), null, 2)).toBe(0);
}

/** The workflow's innermost failure (type and message), or undefined when it succeeded. */
export async function syncFailure(config: Config, source: string): Promise<{ type?: string; message: string } | undefined> {
  try {
    await runSync(config, source);
    return undefined;
  } catch (err) {
    let inner: unknown = err;
    while (inner && typeof inner === 'object' && 'cause' in inner && (inner as { cause?: unknown }).cause) {
      inner = (inner as { cause: unknown }).cause;
    }
    const failure = inner as { type?: string; message: string };
    return { ...(failure.type ? { type: failure.type } : {}), message: failure.message };
  }
}

/**
 * Every key the MLS has, through purge's own key-page requests (activities/source/requests.ts) at a
 * page size of the test's choosing — small pages provoke a platform's paging limits. The whole
 * purge and reconcile runs are exercised by the shared contract below.
 */
export async function downloadKeys(config: Config, source: string, pageSize?: number): Promise<{ keys: string[]; pages: number }> {
  const runtime = new Runtime(config, pino({ level: 'silent' }));
  try {
    const src = runtime.source(source);
    const resource = await withinBudget(() => runtime.resourceModel(source, 'Property'));
    const request = keyPagesRequest(
      { src, resource, resourceConfig: runtime.resourceConfig(source, 'Property') },
      { upperBound: canonicalTimestamp(new Date(Date.now() + 60_000).toISOString())!, count: false },
    );
    const keys: string[] = [];
    let pages = 0;
    for await (const page of replicationPages({
      ...request,
      ...(pageSize ? { pageSize } : {}),
      http: src.http,
      start: null,
    })) {
      pages++;
      keys.push(...page.records.map((r) => String(r[resource.keyField])));
    }
    return { keys, pages };
  } finally {
    await runtime.close();
  }
}

/** Waits as a rate-limited activity would (the budget is shared with the tests just before). */
async function withinBudget<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof SourceRateLimited)) throw err;
      await new Promise((resolve) => setTimeout(resolve, err.retryAfterMs));
    }
  }
}

export interface ContractCase {
  personality: PersonalityName;
  platform: PlatformName;
  simulator?: Partial<SimulatorOptions>;
  records?: number;
  /** Records per request the resource asks for (small enough to page several times). */
  pageSize?: number;
  /** Extra test config (auth defaults to the personality's static token). */
  config?: (sim: SimulatorHandle) => Partial<Omit<TestConfigOptions, 'simulatorUrl'>>;
  /** The resource's `$filter` and the records it keeps. */
  filter?: { text: string; keeps: (record: Record<string, unknown>) => boolean };
  /** More tests, run after the shared ones with the same simulator and config. */
  more?: (ctx: ContractContext) => void;
}

export interface ContractContext {
  sim(): SimulatorHandle;
  config(): Config;
  source: string;
  mls(): RecordSource;
}

/**
 * The shared contract: full sync, incremental sync, a sync with nothing new, and the real status and
 * dashboard counts, purge and reconcile — all exact, no violation.
 */
export function describeContract(c: ContractCase): void {
  describe(`contract: ${c.personality}`, () => {
    let sim: SimulatorHandle;
    let config: Config;
    // Workflow IDs (sync/<source>/Property) are shared by every test file: a source name of its own.
    const source = uniqueName(c.personality.slice(0, 6));
    const mls = () => mlsOf(sim, c.filter?.keeps);

    beforeAll(async () => {
      sim = await startSimulator({ records: c.records ?? 600, seed: 5, port: 0, ...c.simulator, personality: c.personality });
      config = testConfig({
        simulatorUrl: sim.url,
        source,
        platform: c.platform,
        auth: { type: 'bearer', token: defaultToken(c.personality) },
        ...(c.pageSize ? { pageSize: c.pageSize } : {}),
        ...(c.filter ? { filter: c.filter.text } : {}),
        ...c.config?.(sim),
      });
    });

    afterAll(async () => {
      await sim?.close();
      if (config) await dropDatabases(config);
    });

    it('full sync: obeys every rule and replicates exactly', async () => {
      await withWorker(config, async () => {
        const { result } = await runSync(config, source);
        expect(result.downloaded).toBeGreaterThanOrEqual(mls().keys().length);
      });
      expectNoViolations(sim);
      await expectDestinationsMatch(config, source, 'Property', mls());
    });

    it('incremental sync: picks up changes and additions, exactly', async () => {
      sim.dataset.touch(40);
      sim.dataset.add(15);
      sim.resetStats();
      await withWorker(config, async () => {
        await runSync(config, source);
      });
      expectNoViolations(sim);
      await expectDestinationsMatch(config, source, 'Property', mls());
    });

    // Platforms that serve cached results (Spark) re-read a look-back period on every run by design.
    it.skipIf(platformFor(c.platform).lookBackMs > 0)(
      'a sync with nothing new downloads at most one page, though hundreds of records share the newest timestamp',
      async () => {
        // Over two pages' worth of records get the newest timestamp, some of them after a first
        // sync has stored it (they must still arrive), then nothing changes.
        const keys = sim.dataset.liveKeys();
        const tie = new Date().toISOString();
        sim.dataset.setTimestamp(keys.slice(100, 400), tie);
        await withWorker(config, () => runSync(config, source));
        sim.dataset.setTimestamp(keys.slice(0, 20), tie);
        await withWorker(config, () => runSync(config, source));
        await expectDestinationsMatch(config, source, 'Property', mls());
        sim.resetStats();
        const { result } = await withWorker(config, () => runSync(config, source));
        expectNoViolations(sim);
        expect(result.downloaded).toBe(0);
        const pages = sim.stats.recentExchanges
          .map((e) => decodeURIComponent(e.url))
          .filter((url) => url.includes('/Property') && !url.includes('$count=true') && !url.includes('$metadata'));
        expect(pages.length).toBeLessThanOrEqual(1);
      },
    );

    it('counts for status and the dashboard (the real requests): the records the filter keeps, no violation', async () => {
      const runtime = new Runtime(config, pino({ level: 'silent' }));
      sim.resetStats();
      try {
        const model = await runtime.resourceModel(source, 'Property');
        const platform = runtime.source(source).platform;
        const expected = platform.supportsCount ? mls().keys().length : null;
        expect(await mlsCount(runtime, model)).toBe(expected);
        if (platform.orderbyAllowed) expect(await mlsNewest(runtime, model)).not.toBeNull();
        const counts = await new CountsService(config, runtime).get(source, { refresh: true });
        expect(counts.resources[0]!.mls.error).toBeUndefined();
        expect(counts.resources[0]!.mls.count).toBe(expected);
        expectNoViolations(sim);
      } finally {
        await runtime.close();
      }
    });

    it('purge (the real run): deletes exactly what the MLS deleted, no violation', async () => {
      const gone = mls()
        .keys()
        .filter((_, i) => i % 53 === 7);
      sim.dataset.remove(gone);
      sim.resetStats();
      const { result, failure } = await withWorker(config, () => runKeyProcess(config, 'purge', { source }));
      expect(failure).toBeUndefined();
      expectNoViolations(sim);
      expect(result!.deleted).toBe(gone.length);
      expect(result!.keysStaged).toBe(mls().keys().length);
      await expectDestinationsMatch(config, source, 'Property', mls());
    });

    it('reconcile (the real run): restores what a destination lost, fetching by key, no violation', async () => {
      const destination = Object.values(config.destinations)[0]!.url;
      const lost = mls()
        .keys()
        .filter((_, i) => i % 41 === 3);
      await query(destination, 'DELETE FROM Property WHERE ListingKey IN (?)', [lost]);
      sim.resetStats();
      const { result, failure } = await withWorker(config, () => runKeyProcess(config, 'reconcile', { source }));
      expect(failure).toBeUndefined();
      expectNoViolations(sim);
      expect(result!.restored).toBe(lost.length);
      await expectDestinationsMatch(config, source, 'Property', mls());
    });

    c.more?.({ sim: () => sim, config: () => config, source, mls });
  });
}
