/**
 * Media benchmark: the simulator's image host (no rate limit, real PNGs of about 10–40 KB) → a
 * worker in a child process (the built CLI) → the local store, with each file's row in MariaDB.
 * One sync downloads the records and then every file; the clock is the media child workflow's own
 * (start to close), so the records' part is not counted. Prints files/s, MB/s and the worker's
 * peak RSS as one `media-bench …` line.
 */
import { rmSync } from 'node:fs';
import { parseConfig, withDatabase } from '../../config';
import { startSimulator } from '../../simulator/server';
import { connectClient } from '../../worker/temporal';
import { startSync } from '../../worker/commands/sync';
import { mediaWorkflowId } from '../../workflows/names';
import type { MediaTotals } from '../../workflows/media-types';
import { fromRoot } from '../lib/paths';
import { flag, startBenchStack, startBenchWorker, writeBenchConfig } from './harness';
import { query } from './sql';

const log = (line: string) => console.log(line);

export async function benchMedia(args: string[]): Promise<void> {
  const mediaPerRecord = flag(args, 'media', 5);
  const files = flag(args, 'files', 2000);
  const concurrency = flag(args, 'concurrency', 8);
  const records = Math.ceil(files / mediaPerRecord);
  const stack = await startBenchStack(log);
  const sim = await startSimulator({ records, seed: 44, port: 0, mediaPerRecord });
  const databases = { destination: 'resync_bench_media', control: 'resync_bench_media_control' };
  for (const db of Object.values(databases)) await query(stack.mysqlServerUrl, `DROP DATABASE IF EXISTS \`${db}\``);
  const folder = fromRoot('.data', 'bench', 'media-files');
  rmSync(folder, { recursive: true, force: true });

  const input = {
    sources: {
      bench: {
        url: sim.url,
        resources: [
          {
            name: 'Property',
            pageSize: 500,
            expand: [{ name: 'Media' }],
            media: { store: { type: 'local', path: folder }, concurrency },
          },
        ],
      },
    },
    destinations: { main: { type: 'mysql', url: withDatabase(stack.mysqlServerUrl, databases.destination) } },
    control: { url: withDatabase(stack.mysqlServerUrl, databases.control) },
    temporal: { address: stack.temporal.address, taskQueue: 'resync-bench-media' },
    logging: { level: 'warn', dir: 'logs/bench' },
  };
  log(`media-bench: ${records} Property records × ${mediaPerRecord} photos = ${records * mediaPerRecord} files, ${concurrency} at a time`);

  const worker = await startBenchWorker(writeBenchConfig('media', input));
  const config = parseConfig(input);
  const client = await connectClient(config);
  try {
    const sync = await startSync(client, config, 'bench', 'Property');
    await sync.result();
    const child = client.workflow.getHandle(mediaWorkflowId('sync', 'bench', 'Property'));
    const totals = (await child.result()) as MediaTotals;
    const { startTime, closeTime } = await child.describe();
    const peakRssMb = worker.peakRssMb();
    const expected = records * mediaPerRecord;
    if (totals.downloaded !== expected || totals.failed !== 0) {
      throw new Error(`media-bench: ${totals.downloaded} of ${expected} files stored, ${totals.failed} failed`);
    }
    const seconds = (closeTime!.getTime() - startTime.getTime()) / 1000;
    const filesPerSecond = totals.downloaded / seconds;
    const mbPerSecond = totals.bytes / 1e6 / seconds;
    log(`media step: ${seconds.toFixed(1)} s, ${(totals.bytes / 1e6).toFixed(1)} MB, ${sim.stats.requests} simulator requests`);
    console.log(
      `media-bench files=${totals.downloaded} files_per_s=${Math.round(filesPerSecond)} mb_per_s=${mbPerSecond.toFixed(2)} ` +
        `mb=${(totals.bytes / 1e6).toFixed(1)} seconds=${seconds.toFixed(1)} concurrency=${concurrency} peak_rss_mb=${peakRssMb}`,
    );
  } finally {
    await worker.stop();
    await client.connection.close();
    await sim.close();
    await stack.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}
