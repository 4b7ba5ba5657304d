/**
 * Media files fetched from the simulator's own image host (real PNG bytes, the platforms' media
 * rules as counted violations): a URL that expired before its file was fetched recovers through a
 * fresh Media record, and MLS Grid's rules (User-Agent: <token>, media within the request budget)
 * are kept with no violation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../config';
import { defaultToken } from '../../simulator/personalities/common';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { drizzle } from 'drizzle-orm/mysql2';
import { lastRunsOf } from '../../activities/stats/history';
import { StatsStore } from '../../activities/stats/store';
import { HistoryReader } from '../../dashboard/server/history';
import { describeMedia } from '../../worker/inspect/status-format';
import { expectNoViolations } from '../support/contract';
import { expectEveryFileExact } from '../support/media-files';
import { dropDatabases, query, runSync, testConfigInput, withWorker } from '../support/stack';

describe('media files from the simulator: an expired URL', () => {
  const RECORDS = 6;
  const MEDIA = 2;
  const TTL_MS = 3000;
  let sim: SimulatorHandle;
  let folder: string;
  let withoutFiles: Config;
  let withFiles: Config;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'resync-media-expiry-'));
    sim = await startSimulator({ records: RECORDS, seed: 21, mediaPerRecord: MEDIA, personalityOptions: { mediaUrlTtlMs: TTL_MS } });
    const input = testConfigInput({ simulatorUrl: sim.url, pageSize: 10, expand: [{ name: 'Media' }] });
    const source = input.sources.sim!;
    const property = source.resources[0]!;
    withoutFiles = parseConfig(input);
    const media = { store: { type: 'local', path: folder }, concurrency: 2 };
    withFiles = parseConfig({ ...input, sources: { sim: { ...source, resources: [{ ...property, media }] } } });
  });

  afterAll(async () => {
    await sim?.close();
    if (withoutFiles) await dropDatabases(withoutFiles);
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('is refused, the Media record is read again for a fresh URL, and the file is stored', async () => {
    // The Media rows arrive first, with URLs that expire before anything fetches them.
    const first = await withWorker(withoutFiles, () => runSync(withoutFiles, 'sim'));
    const destination = Object.values(withoutFiles.destinations)[0]!.url;
    const stale = await query<{ MediaKey: string; MediaURL: string }>(destination, 'SELECT MediaKey, MediaURL FROM PropertyMedia');
    expect(stale).toHaveLength(RECORDS * MEDIA);
    // URLs live one to two TTLs; past that every stored one is expired.
    await new Promise((r) => setTimeout(r, 2 * TTL_MS + 500));
    sim.resetStats();

    const second = await withWorker(withFiles, () => runSync(withFiles, 'sim'));

    const rows = await expectEveryFileExact(destination, RECORDS * MEDIA);
    // Each stale URL was tried once and refused; the row now holds the fresh one that worked.
    expect(sim.stats.violationsByReason).toEqual({ 'media-url-expired': RECORDS * MEDIA });
    const before = new Map(stale.map((s) => [s.MediaKey, s.MediaURL]));
    for (const row of rows) {
      expect(row.MediaURL).not.toBe(before.get(row.MediaKey));
      expect(new URL(row.MediaURL).searchParams.get('exp')).not.toBeNull();
    }
    // The history tells a run without a media step from one with it.
    const stats = await StatsStore.open(withFiles.control.url);
    try {
      const history = new HistoryReader(drizzle(stats.pool));
      expect((await history.run(first.result.runId, 0))?.media).toBeNull();
      expect((await history.run(second.result.runId, 0))?.media).toMatchObject({ files: RECORDS * MEDIA, failed: 0 });
    } finally {
      await stats.close();
    }
  }, 180_000);
});

describe('media files from the simulator: MLS Grid', () => {
  const RECORDS = 8;
  const MEDIA = 2;
  let sim: SimulatorHandle;
  let folder: string;
  let config: Config;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'resync-media-mlsgrid-'));
    sim = await startSimulator({ records: RECORDS, seed: 22, mediaPerRecord: MEDIA, personality: 'mlsgrid' });
    const input = testConfigInput({
      simulatorUrl: sim.url,
      platform: 'mlsgrid',
      originatingSystemName: 'actris',
      auth: { type: 'bearer', token: defaultToken('mlsgrid') },
      pageSize: 100,
      expand: [{ name: 'Media' }],
    });
    const source = input.sources.sim!;
    const property = source.resources[0]!;
    const media = { store: { type: 'local', path: folder }, concurrency: 4 };
    config = parseConfig({ ...input, sources: { sim: { ...source, resources: [{ ...property, media }] } } });
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('a sync with files sees no violation: every media request carries the token and fits the budget', async () => {
    const { result } = await withWorker(config, () => runSync(config, 'sim'));

    expectNoViolations(sim);
    const mediaRequests = Object.entries(sim.stats.byPath)
      .filter(([path]) => path.startsWith('/media/'))
      .reduce((n, [, count]) => n + count, 0);
    expect(mediaRequests).toBe(RECORDS * MEDIA);
    const destination = Object.values(config.destinations)[0]!.url;
    await expectEveryFileExact(destination, RECORDS * MEDIA);

    // The run history, `resync status` and the dashboard all say what the media step did.
    const [sizes] = await query<{ bytes: number }>(destination, 'SELECT SUM(Size) AS bytes FROM PropertyMedia_files');
    const expected = { files: RECORDS * MEDIA, bytes: Number(sizes!.bytes), failed: 0 };
    const stats = await StatsStore.open(config.control.url);
    try {
      const sync = (await lastRunsOf(stats.pool, 'sim')).find((r) => r.process === 'sync');
      expect(sync?.runId).toBe(result.runId);
      expect(sync?.media).toEqual(expected);
      expect(describeMedia(sync!.media)).toBe(
        `; media files: ${RECORDS * MEDIA} stored, ${(expected.bytes / 1024).toFixed(1)} KiB, 0 failed`,
      );
      const shown = await new HistoryReader(drizzle(stats.pool)).run(result.runId, 10);
      expect(shown?.media).toEqual(expected);
    } finally {
      await stats.close();
    }
  }, 180_000);
});
