/**
 * Media files recorded through the files-ledger capability of the destinations: PostgreSQL as the
 * only destination (the files table, the pending reads, purge and reconcile all in PostgreSQL),
 * MySQL and PostgreSQL together (both files tables hold the same rows), and a config whose
 * destinations cannot record files at all (refused by `config check` and at run start, before
 * anything is written). Real Temporal dev server, MariaDB, PostgreSQL, the simulator's image host
 * (real PNG bytes), the local store.
 */
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openMediaLedgers } from '../../activities/media/ledgers';
import { Runtime } from '../../activities/runtime';
import { parseConfig, type Config } from '../../config';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { checkConfigFile } from '../../worker/commands/config-check';
import { runKeyProcess } from '../support/key-runs';
import { expectRowsExact, type StoredRow } from '../support/media-files';
import { dropTestDatabases, pgDatabaseUrl, pgQuery } from '../support/pg-stack';
import { query, runSync, testConfigInput, uniqueName, withWorker, writeConfigFile } from '../support/stack';

/** A files row as both destinations are asked for it: timestamps as UTC DATETIME text, sizes as numbers. */
interface LedgerRow {
  MediaKey: string;
  ParentKey: string;
  ObjectKey: string;
  StoredUrl: string;
  Size: number;
  ContentType: string;
  Sha256: string;
  MediaTimestamp: string;
  LastError: string | null;
}

const utc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;

/** Media rows of PostgreSQL's PropertyMedia joined with its files table, in key order. */
const pgStoredRows = (url: string) =>
  pgQuery<StoredRow & Record<string, unknown>>(
    url,
    `SELECT m."MediaKey", m."MediaURL", ${utc('m."MediaModificationTimestamp"')} AS "MediaModificationTimestamp",
            f."StoredUrl", f."Sha256", f."LastError"
       FROM "PropertyMedia" m LEFT JOIN "PropertyMedia_files" f ON f."MediaKey" = m."MediaKey" ORDER BY m."MediaKey"`,
  );

const pgLedger = async (url: string): Promise<LedgerRow[]> =>
  (
    await pgQuery<LedgerRow & Record<string, unknown>>(
      url,
      `SELECT "MediaKey", "ParentKey", "ObjectKey", "StoredUrl", "Size", "ContentType", "Sha256",
              ${utc('"MediaTimestamp"')} AS "MediaTimestamp", "LastError"
         FROM "PropertyMedia_files" ORDER BY "MediaKey"`,
    )
  ).map((r) => ({ ...r, Size: Number(r.Size) }));

const mysqlLedger = async (url: string): Promise<LedgerRow[]> =>
  (
    await query<LedgerRow>(
      url,
      `SELECT MediaKey, ParentKey, ObjectKey, StoredUrl, Size, ContentType, Sha256,
              DATE_FORMAT(MediaTimestamp, '%Y-%m-%d %H:%i:%s.%f') AS MediaTimestamp, LastError
         FROM PropertyMedia_files ORDER BY MediaKey`,
    )
  ).map((r) => ({ ...r, Size: Number(r.Size) }));

/** Requests the simulator's image host answered since its stats were last reset. */
const mediaRequests = (sim: SimulatorHandle) =>
  Object.entries(sim.stats.byPath)
    .filter(([path]) => path.startsWith('/media/'))
    .reduce((n, [, count]) => n + count, 0);

/** Requests for Property pages or counts (not its $metadata). */
const propertyRequests = (sim: SimulatorHandle) =>
  Object.entries(sim.stats.byPath)
    .filter(([path]) => path.startsWith('/odata/Property'))
    .reduce((n, [, count]) => n + count, 0);

/** The config's one source `sim` writing Property with its Media (files in `folder`) to these destinations. */
function mediaConfigInput(simulatorUrl: string, folder: string, destinations: Record<string, object>) {
  const input = testConfigInput({ simulatorUrl, pageSize: 10, expand: [{ name: 'Media' }] });
  const source = input.sources.sim!;
  const media = { store: { type: 'local' as const, path: folder }, concurrency: 3, batchSize: 10 };
  const purge = { maxDeletePercent: 25 };
  return {
    ...input,
    // A purge of one listing in a dozen is expected here.
    sources: { sim: { ...source, destinations: Object.keys(destinations), resources: [{ ...source.resources[0]!, media, purge }] } },
    destinations,
  };
}

describe('media files with PostgreSQL as the only destination', () => {
  const RECORDS = 12;
  const MEDIA = 2;
  let sim: SimulatorHandle;
  let folder: string;
  let config: Config;
  let url: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'resync-media-pg-'));
    sim = await startSimulator({ records: RECORDS, seed: 31, mediaPerRecord: MEDIA });
    url = pgDatabaseUrl();
    config = parseConfig(mediaConfigInput(sim.url, folder, { pg: { type: 'postgres', url } }));
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropTestDatabases(config);
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('a sync stores every Media row’s file and records it in PostgreSQL', async () => {
    const { result } = await withWorker(config, () => runSync(config, 'sim'));

    expect(result).toMatchObject({ upserted: RECORDS });
    expect(propertyRequests(sim)).toBeGreaterThan(0);
    expect(mediaRequests(sim)).toBe(RECORDS * MEDIA);
    const rows = await pgStoredRows(url);
    expect(rows).toHaveLength(RECORDS * MEDIA);
    expectRowsExact(rows);
    const ledger = await pgLedger(url);
    for (const [i, f] of ledger.entries()) {
      expect(f.ObjectKey).toBe(`Property/${f.ParentKey}/${f.MediaKey}.png`);
      expect(f.StoredUrl).toBe(join(folder, ...f.ObjectKey.split('/')));
      expect(f.ContentType).toBe('image/png');
      // The timestamp recorded is the Media row's, to the microsecond: an unchanged row is not pending.
      expect(f.MediaTimestamp).toBe(rows[i]!.MediaModificationTimestamp);
    }
  }, 180_000);

  it('downloads a changed photo again and never an unchanged one', async () => {
    sim.resetStats();
    await withWorker(config, () => runSync(config, 'sim'));
    expect(mediaRequests(sim)).toBe(0);

    const [changed] = sim.dataset.liveKeys().slice(3, 4);
    sim.dataset.touch([changed!], { photos: true });
    sim.resetStats();
    await withWorker(config, () => runSync(config, 'sim'));

    expect(mediaRequests(sim)).toBe(MEDIA);
    expectRowsExact(await pgStoredRows(url));
  }, 180_000);

  it('purge removes a gone listing’s files; reconcile fetches a deleted file again', async () => {
    const [gone] = sim.dataset.liveKeys().slice(5, 6);
    const goneFiles = (await pgLedger(url)).filter((f) => f.ParentKey === gone);
    expect(goneFiles).toHaveLength(MEDIA);
    sim.dataset.remove([gone!]);

    const purge = await withWorker(config, () => runKeyProcess(config, 'purge'));

    expect(purge.failure).toBeUndefined();
    expect(purge.result).toMatchObject({ deleted: 1 });
    expect((await pgLedger(url)).filter((f) => f.ParentKey === gone)).toEqual([]);
    for (const f of goneFiles) expect(existsSync(f.StoredUrl)).toBe(false);

    const [deleted] = (await pgLedger(url)).slice(1, 2);
    unlinkSync(deleted!.StoredUrl);
    sim.resetStats();

    const reconcile = await withWorker(config, () => runKeyProcess(config, 'reconcile'));

    expect(reconcile.failure).toBeUndefined();
    expect(mediaRequests(sim)).toBe(1);
    const rows = await pgStoredRows(url);
    expect(rows).toHaveLength((RECORDS - 1) * MEDIA);
    expectRowsExact(rows);
  }, 240_000);
});

describe('media files in MySQL and PostgreSQL', () => {
  const RECORDS = 10;
  const MEDIA = 2;
  let sim: SimulatorHandle;
  let folder: string;
  let config: Config;
  let mysqlUrl: string;
  let pgUrl: string;

  /** Both files tables hold the same rows, and the first (MySQL) has every file, exact. */
  async function expectLedgersAgree(rows: number): Promise<void> {
    // Each in its own key order (MySQL's collation, PostgreSQL's bytes): compared as sets of rows.
    const byKey = (a: LedgerRow, b: LedgerRow) => (a.MediaKey < b.MediaKey ? -1 : a.MediaKey > b.MediaKey ? 1 : 0);
    const mysql = (await mysqlLedger(mysqlUrl)).sort(byKey);
    expect(mysql).toHaveLength(rows);
    expect((await pgLedger(pgUrl)).sort(byKey)).toEqual(mysql);
    expectRowsExact(await pgStoredRows(pgUrl));
  }

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'resync-media-both-'));
    sim = await startSimulator({ records: RECORDS, seed: 32, mediaPerRecord: MEDIA });
    const base = testConfigInput({ simulatorUrl: sim.url });
    mysqlUrl = base.destinations.d0!.url;
    pgUrl = pgDatabaseUrl();
    config = parseConfig(mediaConfigInput(sim.url, folder, { my: { type: 'mysql', url: mysqlUrl }, pg: { type: 'postgres', url: pgUrl } }));
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropTestDatabases(config);
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('a sync records every file in both files tables, row for row', async () => {
    await withWorker(config, () => runSync(config, 'sim'));

    expect(mediaRequests(sim)).toBe(RECORDS * MEDIA);
    await expectLedgersAgree(RECORDS * MEDIA);
  }, 180_000);

  it('a changed photo and a purged listing leave both files tables alike', async () => {
    const [changed, gone] = sim.dataset.liveKeys().slice(2, 4);
    sim.dataset.touch([changed!], { photos: true });
    sim.resetStats();
    await withWorker(config, () => runSync(config, 'sim'));
    expect(mediaRequests(sim)).toBe(MEDIA);
    await expectLedgersAgree(RECORDS * MEDIA);

    sim.dataset.remove([gone!]);
    const purge = await withWorker(config, () => runKeyProcess(config, 'purge'));

    expect(purge.failure).toBeUndefined();
    await expectLedgersAgree((RECORDS - 1) * MEDIA);
    expect((await pgLedger(pgUrl)).filter((f) => f.ParentKey === gone)).toEqual([]);
  }, 240_000);

  it('a file whose row a follower refuses stays pending in the first destination, and lands in both once it can', async () => {
    const runtime = new Runtime(config, pino({ level: 'silent' }));
    try {
      const resource = await runtime.resourceModel('sim', 'Property');
      const ledgers = await openMediaLedgers('sim', resource, 'Media', runtime.destinationsFor('sim'), (_, l) => l.ensure());
      const [file] = await mysqlLedger(mysqlUrl);
      // The file is to be fetched again (as after reconcile found it missing), and PostgreSQL refuses every write.
      await query(mysqlUrl, 'UPDATE PropertyMedia_files SET Sha256 = NULL WHERE MediaKey = ?', [file!.MediaKey]);
      await pgQuery(pgUrl, 'ALTER TABLE "PropertyMedia_files" ADD CONSTRAINT refuse_all CHECK (false) NOT VALID');
      const [pending] = await ledgers.readPending(null, 1, 3);
      expect(pending?.mediaKey).toBe(file!.MediaKey);
      const stored = {
        mediaKey: file!.MediaKey,
        parentKey: file!.ParentKey,
        objectKey: file!.ObjectKey,
        location: file!.StoredUrl,
        size: file!.Size,
        contentType: file!.ContentType,
        sha256: file!.Sha256,
        timestamp: pending!.timestamp,
      };

      await expect(ledgers.recordStored(stored)).rejects.toThrow(/refuse_all/);
      expect((await ledgers.readPending(null, 1, 3))[0]?.mediaKey).toBe(file!.MediaKey);

      await pgQuery(pgUrl, 'ALTER TABLE "PropertyMedia_files" DROP CONSTRAINT refuse_all');
      await ledgers.recordStored(stored);
      expect(await ledgers.readPending(null, 1, 3)).toEqual([]);
      await expectLedgersAgree((RECORDS - 1) * MEDIA);
    } finally {
      await runtime.close();
    }
  });
});

describe('media files without a destination that can record them', () => {
  let sim: SimulatorHandle;
  let folder: string;
  let input: ReturnType<typeof mediaConfigInput>;
  let config: Config;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'resync-media-solr-'));
    sim = await startSimulator({ records: 4, seed: 33, mediaPerRecord: 1 });
    const search = { type: 'solr', url: inject('solrUrl'), corePrefix: `${uniqueName('m')}_` };
    input = mediaConfigInput(sim.url, folder, { search });
    config = parseConfig(input);
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropTestDatabases(config);
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('config check names the resource and why', async () => {
    const report = await checkConfigFile(writeConfigFile(input), { metadata: false });

    expect(report.problems).toEqual([
      'sources.sim.resources.0.media: sim/Property downloads media files, but none of its destinations (search) can record them: ' +
        'the files table is kept in a MySQL/MariaDB or PostgreSQL destination; add one to the source’s destinations or remove media',
    ]);
  });

  it('a sync is refused at its start, before any page is read', async () => {
    sim.resetStats();
    const failure = await withWorker(config, () => runSync(config, 'sim')).then(
      () => undefined,
      (err: unknown) => err,
    );

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause?.cause as { type?: string; message: string } | undefined;
    expect(cause?.type).toBe('MediaUnsupported');
    expect(cause?.message).toContain('none of its destinations (search) can record them');
    expect(propertyRequests(sim)).toBe(0);
    expect(mediaRequests(sim)).toBe(0);
  }, 120_000);
});
