/**
 * Sync benchmark: the simulator (no rate limit) → a worker in a child process → MariaDB, then
 * the ceiling: the same rows upserted straight into the same MariaDB through the same writer, no
 * HTTP, no Temporal. Prints records/s of both, their ratio and the worker's peak RSS.
 */
import pino from 'pino';
import { parseConfig, withDatabase } from '../../config';
import { Runtime } from '../../activities/runtime';
import { startSimulator } from '../../simulator/server';
import { connectClient } from '../../worker/temporal';
import { startSync } from '../../worker/commands/sync';
import { flag, startBenchStack, startBenchWorker, writeBenchConfig } from './harness';
import { query } from './sql';

const log = (line: string) => console.log(line);

export async function benchSync(args: string[]): Promise<void> {
  const records = flag(args, 'records', 100_000);
  const mediaPerRecord = flag(args, 'media', 5);
  const pageSize = flag(args, 'page-size', 500);
  const stack = await startBenchStack(log);
  const sim = await startSimulator({ records, seed: 42, port: 0, mediaPerRecord });
  const databases = { e2e: 'resync_bench_sync', ceiling: 'resync_bench_ceiling', control: 'resync_bench_control' };
  for (const db of Object.values(databases)) await query(stack.mysqlServerUrl, `DROP DATABASE IF EXISTS \`${db}\``);

  const configInput = (destinationDb: string) => ({
    sources: {
      bench: {
        url: sim.url,
        resources: [{ name: 'Property', pageSize, expand: [{ name: 'Media' }] }],
      },
    },
    destinations: { main: { type: 'mysql', url: withDatabase(stack.mysqlServerUrl, destinationDb) } },
    control: { url: withDatabase(stack.mysqlServerUrl, databases.control) },
    temporal: { address: stack.temporal.address, taskQueue: 'resync-bench' },
    logging: { level: 'warn', dir: 'logs/bench' },
  });
  log(`sync-bench: ${records} Property records (${mediaPerRecord} Media each), pages of ${pageSize}`);
  // The MLS's own work (generating and serialising records) is done before the clock starts: on a
  // small machine it would otherwise take CPU from the worker and MariaDB being measured.
  const renderStarted = Date.now();
  sim.prerender('Property', { expand: [{ name: 'Media' }] });
  log(`simulator: records rendered ahead in ${((Date.now() - renderStarted) / 1000).toFixed(1)} s`);

  // End to end.
  const worker = await startBenchWorker(writeBenchConfig('sync', configInput(databases.e2e)));
  const config = parseConfig(configInput(databases.e2e));
  const client = await connectClient(config);
  const started = Date.now();
  const handle = await startSync(client, config, 'bench', 'Property');
  const result = await handle.result();
  const e2eSeconds = (Date.now() - started) / 1000;
  const peakRssMb = worker.peakRssMb();
  await worker.stop();
  await client.connection.close();
  if (result.upserted !== records) throw new Error(`sync-bench: upserted ${result.upserted} of ${records}`);
  const e2ePerSecond = records / e2eSeconds;
  log(
    `end to end: ${e2eSeconds.toFixed(1)} s, ${Math.round(e2ePerSecond)} records/s, ${result.pages} pages, ${sim.prerenderedServed()} records served pre-rendered`,
  );

  // Ceiling: the same rows, the same writer, no HTTP and no Temporal. Records are generated
  // outside the timed part.
  const ceilingConfig = parseConfig(configInput(databases.ceiling));
  const runtime = new Runtime(ceilingConfig, pino({ level: 'silent' }));
  const model = await runtime.resourceModel('bench', 'Property');
  const [destination] = runtime.destinationsFor('bench');
  await destination!.ensureSchema(model);
  const keys = sim.dataset.liveKeys();
  let writeMs = 0;
  for (let i = 0; i < keys.length; i += pageSize) {
    const page = keys.slice(i, i + pageSize).map((k) => ({ ...sim.dataset.getRecord(k)!, Media: sim.dataset.getMedia(k) }));
    const t = performance.now();
    await destination!.writePage(model, page);
    writeMs += performance.now() - t;
  }
  await runtime.close();
  const ceilingPerSecond = records / (writeMs / 1000);
  log(`ceiling: ${(writeMs / 1000).toFixed(1)} s of writes, ${Math.round(ceilingPerSecond)} records/s`);

  await sim.close();
  await stack.stop();
  const ratio = e2ePerSecond / ceilingPerSecond;
  console.log(
    `sync-bench ratio=${ratio.toFixed(2)} records_per_s=${Math.round(e2ePerSecond)} ceiling_per_s=${Math.round(ceilingPerSecond)} peak_rss_mb=${peakRssMb}`,
  );
}
