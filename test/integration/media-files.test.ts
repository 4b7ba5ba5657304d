/**
 * Media files end to end: real Temporal dev server, real MariaDB, the simulator, an in-process
 * worker, the local store. A sync stores every file with its checksum; an unchanged photo is never
 * downloaded again and a changed one is; purge removes a gone listing's files; reconcile restores
 * a deleted file and replaces a corrupted one.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { drizzle } from 'drizzle-orm/mysql2';
import { S3MediaStore } from '../../activities/media/s3-store';
import { StatsStore } from '../../activities/stats/store';
import { HistoryReader } from '../../dashboard/server/history';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { parseConfig, type Config } from '../../config';
import { runKeyProcess } from '../support/key-runs';
import { mediaBytes, mediaUrlsTo, sha256Hex, startMediaHost, type MediaHost } from '../support/media-host';
import { dropDatabases, query, runSync, testConfigInput, withWorker } from '../support/stack';

const RECORDS = 30;
const MEDIA_PER_RECORD = 3;

interface FileRow {
  MediaKey: string;
  ParentKey: string;
  ObjectKey: string;
  StoredUrl: string;
  Size: number;
  Sha256: string;
  MediaTimestamp: string;
  LastError: string | null;
}

describe('media files', () => {
  let sim: SimulatorHandle;
  let host: MediaHost;
  let config: Config;
  let destination: string;
  let folder: string;

  const files = () =>
    query<FileRow>(
      destination,
      'SELECT MediaKey, ParentKey, ObjectKey, StoredUrl, Size, Sha256, MediaTimestamp, LastError FROM PropertyMedia_files ORDER BY MediaKey',
    );
  const mediaRows = () =>
    query<{ MediaKey: string; MediaURL: string; MediaModificationTimestamp: string }>(
      destination,
      'SELECT MediaKey, MediaURL, MediaModificationTimestamp FROM PropertyMedia ORDER BY MediaKey',
    );
  const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

  /** Every Media row has its file, stored with the bytes its URL serves now. */
  async function expectEveryFileStored(): Promise<void> {
    const rows = await mediaRows();
    const stored = new Map((await files()).map((f) => [f.MediaKey, f]));
    expect(stored.size).toBe(rows.length);
    for (const row of rows) {
      const f = stored.get(row.MediaKey);
      const u = new URL(row.MediaURL);
      const expected = sha256Hex(mediaBytes(`${u.pathname}${u.search}`));
      expect(f?.LastError ?? null).toBeNull();
      expect(f?.Sha256).toBe(expected);
      expect(f?.MediaTimestamp.slice(0, 23)).toBe(row.MediaModificationTimestamp.slice(0, 23));
      expect(sha256File(f!.StoredUrl)).toBe(expected);
    }
  }

  const sync = () => withWorker(config, () => runSync(config, 'sim'));

  /** The media totals the run history keeps for a run. */
  async function runMedia(runId: string) {
    const stats = await StatsStore.open(config.control.url);
    try {
      return (await new HistoryReader(drizzle(stats.pool)).run(runId, 0))?.media;
    } finally {
      await stats.close();
    }
  }

  beforeAll(async () => {
    host = await startMediaHost();
    folder = mkdtempSync(join(tmpdir(), 'resync-media-'));
    sim = await startSimulator({ records: RECORDS, seed: 15, port: 0, mediaPerRecord: MEDIA_PER_RECORD });
    const input = testConfigInput({ simulatorUrl: sim.url, destinationHooks: { transform: mediaUrlsTo(host.origin) } });
    destination = Object.values(input.destinations)[0]!.url;
    const resources = [
      {
        name: 'Property',
        pageSize: 10,
        expand: [{ name: 'Media' }],
        media: { store: { type: 'local', path: folder }, concurrency: 3, batchSize: 20 },
      },
    ];
    config = parseConfig({ ...input, sources: { sim: { ...input.sources.sim, resources } } });
  });

  afterAll(async () => {
    await sim?.close();
    await host?.close();
    if (config) await dropDatabases(config);
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('a sync stores every Media row’s file in the local store, with its checksum', async () => {
    await sync();
    expect(host.totalDownloads()).toBe(RECORDS * MEDIA_PER_RECORD);
    await expectEveryFileStored();
    const [one] = await files();
    expect(one!.ObjectKey).toMatch(new RegExp(`^Property/${one!.ParentKey}/.+\\.jpg$`));
    expect(one!.StoredUrl).toBe(join(folder, ...one!.ObjectKey.split('/')));
  });

  it('downloads a changed photo again and never an unchanged one', async () => {
    host.reset();
    await sync();
    expect(host.totalDownloads()).toBe(0);

    const [changed] = sim.dataset.liveKeys().slice(4, 5);
    sim.dataset.touch([changed!], { photos: true });
    host.reset();
    await sync();
    expect([...host.downloads.keys()].sort()).toEqual(
      Array.from({ length: MEDIA_PER_RECORD }, (_, i) => `/media/${changed}-M${i + 1}.png`).sort(),
    );
    expect(host.totalDownloads()).toBe(MEDIA_PER_RECORD);
    await expectEveryFileStored();
  });

  it('purge removes the files of a listing the MLS no longer has', async () => {
    const [gone] = sim.dataset.liveKeys().slice(7, 8);
    const before = (await files()).filter((f) => f.ParentKey === gone);
    expect(before).toHaveLength(MEDIA_PER_RECORD);
    sim.dataset.remove([gone!]);

    const outcome = await withWorker(config, () => runKeyProcess(config, 'purge'));

    expect(outcome.failure).toBeUndefined();
    expect(outcome.result).toMatchObject({ deleted: 1 });
    expect((await files()).filter((f) => f.ParentKey === gone)).toEqual([]);
    for (const f of before) expect(existsSync(f.StoredUrl)).toBe(false);
    expect(await files()).toHaveLength((RECORDS - 1) * MEDIA_PER_RECORD);
    await expectEveryFileStored();
    // Purge's media step removes files and downloads none: its history row says so.
    expect(await runMedia(outcome.result!.runId)).toEqual({ files: 0, bytes: 0, failed: 0 });
  });

  it('reconcile restores a deleted file and replaces a corrupted one', async () => {
    const [deleted, corrupted] = (await files()).slice(2, 4);
    unlinkSync(deleted!.StoredUrl);
    writeFileSync(corrupted!.StoredUrl, 'not the photo');
    host.reset();

    const outcome = await withWorker(config, () => runKeyProcess(config, 'reconcile'));

    expect(outcome.failure).toBeUndefined();
    expect(host.totalDownloads()).toBe(2);
    expect(existsSync(deleted!.StoredUrl)).toBe(true);
    expect(sha256File(deleted!.StoredUrl)).toBe(deleted!.Sha256);
    expect(sha256File(corrupted!.StoredUrl)).toBe(corrupted!.Sha256);
    await expectEveryFileStored();
    expect(await runMedia(outcome.result!.runId)).toEqual({ files: 2, bytes: deleted!.Size + corrupted!.Size, failed: 0 });
  });
});

describe('media files in the S3-compatible store', () => {
  let sim: SimulatorHandle;
  let host: MediaHost;
  let config: Config;
  let client: S3Client;
  let bucket: string;

  beforeAll(async () => {
    const credentials = inject('s3Credentials');
    const s3 = { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey };
    // (the SDK marks the credentials object it is given, so the config gets its own copy)
    client = new S3Client({ endpoint: inject('s3Url'), region: credentials.region, credentials: { ...s3 }, forcePathStyle: true });
    bucket = `resync-media-${randomBytes(5).toString('hex')}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    host = await startMediaHost();
    sim = await startSimulator({ records: 12, seed: 16, port: 0, mediaPerRecord: 2 });
    const input = testConfigInput({ simulatorUrl: sim.url, destinationHooks: { transform: mediaUrlsTo(host.origin) } });
    const store = {
      type: 's3',
      endpoint: inject('s3Url'),
      region: credentials.region,
      bucket,
      prefix: 'mls/',
      forcePathStyle: true,
      ...s3,
    };
    const resources = [{ name: 'Property', pageSize: 5, expand: [{ name: 'Media' }], media: { store } }];
    config = parseConfig({ ...input, sources: { sim: { ...input.sources.sim, resources } } });
  });

  afterAll(async () => {
    await sim?.close();
    await host?.close();
    client?.destroy();
    if (config) await dropDatabases(config);
  });

  it('a sync stores every file in the bucket with the checksum of the bytes served', async () => {
    await withWorker(config, () => runSync(config, 'sim'));
    const destination = Object.values(config.destinations)[0]!.url;
    const rows = await query<{ MediaKey: string; MediaURL: string; ObjectKey: string; Sha256: string }>(
      destination,
      'SELECT m.MediaKey, m.MediaURL, f.ObjectKey, f.Sha256 FROM PropertyMedia m LEFT JOIN PropertyMedia_files f ON f.MediaKey = m.MediaKey',
    );
    expect(rows).toHaveLength(24);
    expect(host.totalDownloads()).toBe(24);
    const reader = new S3MediaStore({ client, bucket, prefix: 'mls/' });
    for (const row of rows) {
      const u = new URL(row.MediaURL);
      const expected = sha256Hex(mediaBytes(`${u.pathname}${u.search}`));
      expect(row.Sha256).toBe(expected);
      expect((await reader.head(row.ObjectKey, { verify: true }))?.sha256).toBe(expected);
    }
  });
});
