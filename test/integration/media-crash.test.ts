/**
 * A worker SIGKILLed while it downloads media files (some stored, some half-written, the rest not
 * started): a new worker takes the download activity over from its last heartbeat and the run ends
 * exact — every Media row has its file, byte for byte the image the simulator serves, and nothing
 * half-written is left in the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSync } from '../../worker/commands/sync';
import { parseConfig, type Config } from '../../config';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { startChildWorker } from '../support/child-worker';
import { expectEveryFileExact, filesUnder } from '../support/media-files';
import { dropDatabases, query, temporalClient, testConfigInput, writeConfigFile } from '../support/stack';

const RECORDS = 40;
const MEDIA = 5;
const FILES = RECORDS * MEDIA;

describe('crash during media downloads', () => {
  let sim: SimulatorHandle;
  let folder: string;
  let config: Config;
  let configFile: string;
  let destination: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'resync-media-crash-'));
    sim = await startSimulator({ records: RECORDS, seed: 23, mediaPerRecord: MEDIA });
    const input = testConfigInput({ simulatorUrl: sim.url, pageSize: 20, expand: [{ name: 'Media' }] });
    const source = input.sources.sim!;
    const media = { store: { type: 'local', path: folder }, concurrency: 4, batchSize: 25 };
    const withFiles = { ...input, sources: { sim: { ...source, resources: [{ ...source.resources[0]!, media }] } } };
    config = parseConfig(withFiles);
    configFile = writeConfigFile(withFiles);
    destination = Object.values(input.destinations)[0]!.url;
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('a new worker finishes the downloads and every file matches its checksum', async () => {
    // Every photo pauses after half its bytes: the worker dies with files half-written.
    sim.faults.add({ kind: 'slow-body', target: 'media', ratio: 1, delayMs: 300 });
    const first = await startChildWorker(configFile, 'media-crash-worker-1');
    const client = await temporalClient(config);
    try {
      const handle = await startSync(client, config, 'sim', 'Property');
      await waitFor(async () => (await storedFiles(destination)) >= 40 && halfWritten(folder).length > 0);
      await first.kill('SIGKILL');
      expect(halfWritten(folder).length).toBeGreaterThan(0);
      const storedAtKill = await storedFiles(destination);
      expect(storedAtKill).toBeLessThan(FILES);

      sim.faults.clear();
      const second = await startChildWorker(configFile, 'media-crash-worker-2');
      try {
        const result = await handle.result();
        expect(result.downloaded).toBe(RECORDS);
      } finally {
        await second.kill('SIGTERM');
      }
    } finally {
      await first.kill('SIGKILL');
      await client.connection.close();
    }

    const rows = await expectEveryFileExact(destination, FILES);
    // The store holds exactly the recorded files and their notes: no temporary left by the dead worker.
    const expected = rows
      .map((r) => r.StoredUrl!.slice(folder.length + 1))
      .flatMap((path) => {
        const slash = path.lastIndexOf('/');
        return [path, `${path.slice(0, slash + 1)}.resync-meta.${path.slice(slash + 1)}.json`];
      })
      .sort();
    expect(filesUnder(folder)).toEqual(expected);
  }, 300_000);
});

async function storedFiles(destination: string): Promise<number> {
  try {
    const [row] = await query<{ n: number }>(destination, 'SELECT COUNT(*) AS n FROM PropertyMedia_files WHERE Sha256 IS NOT NULL');
    return Number(row?.n ?? 0);
  } catch {
    return 0; // the files table is made by the first media activity
  }
}

/** The store's temporaries: files being written (or left by a writer that died). */
function halfWritten(folder: string): string[] {
  return filesUnder(folder).filter((path) => path.split('/').pop()!.startsWith('.resync-tmp-'));
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('media downloads did not get under way within 180 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}
