/**
 * Sync benchmark: the simulator (no rate limit) → a worker in a child process → a destination
 * (MariaDB by default; `--destination postgres|solr`), then the ceiling: the same rows written
 * straight into the same server through the same writer, no HTTP, no Temporal. For MariaDB also
 * the physical ceiling: the same rows bulk-loaded (load-ceiling.ts), in key order and in the MLS's
 * order. Prints records/s, the ratios, where the end-to-end run's CPU went (cpu.ts) and the
 * worker's peak RSS.
 */
import pino from 'pino';
import { parseConfig, withDatabase } from '../../config';
import { Runtime } from '../../activities/runtime';
import { fromRoot } from '../lib/paths';
import { TOKEN_PATH } from '../../simulator/auth';
import { startSimulator } from '../../simulator/server';
import { connectClient } from '../../worker/temporal';
import { startSync } from '../../worker/commands/sync';
import { flag, startBenchStack, startBenchWorker, writeBenchConfig } from './harness';
import { loadCeiling } from './load-ceiling';
import { measureNoChangeSync, type NoChangeSync } from './no-change';
import { median } from '../../dashboard/server/history';
import { query, serverPid } from './sql';
import { bufferPoolBytes, withBufferPool } from './buffer-pool';
import { ensureMariaDb } from '../lib/setup-steps';
import { cpuFigures, cpuMeter } from './cpu';
import { benchTarget, destinationFlag } from './targets';

const log = (line: string) => console.log(line);

/** The simulated Trestle's OAuth2 client (the bench's own simulator, no real secret). */
const TRESTLE_CLIENT = { clientId: 'bench-client', clientSecret: 'bench-secret' };

/** `--platform trestle|generic` (default trestle: the feed the performance goals are stated for). */
function platformFlag(args: string[]): 'trestle' | 'generic' {
  const i = args.indexOf('--platform');
  if (i < 0) return 'trestle';
  const value = args[i + 1];
  if (value !== 'trestle' && value !== 'generic')
    throw new Error(`--platform needs trestle or generic, got ${JSON.stringify(value ?? '')}`);
  return value;
}

export async function benchSync(args: string[]): Promise<void> {
  // `--buffer-pool-mb N`: the run with InnoDB's buffer pool at N MB, put back after (buffer-pool.ts).
  if (!args.includes('--buffer-pool-mb')) return runSyncBench(args);
  if (destinationFlag(args) !== 'mysql') throw new Error('--buffer-pool-mb is for the MariaDB destination (the default)');
  const db = await ensureMariaDb({ log });
  const pool = await withBufferPool(db.url, flag(args, 'buffer-pool-mb', 1));
  try {
    await runSyncBench(args);
  } finally {
    await pool.restore();
  }
}

async function runSyncBench(args: string[]): Promise<void> {
  const records = flag(args, 'records', 100_000);
  const mediaPerRecord = flag(args, 'media', 5);
  const platform = platformFlag(args);
  // Trestle serves 1,000 records a page with $expand; the generic platform caps it at 500.
  const pageSize = flag(args, 'page-size', platform === 'trestle' ? 1000 : 500);
  const kind = destinationFlag(args);
  // `--latency-ms N`: the MLS takes N ms to start each answer, as a real one building a page does
  // (the simulator's own answers are instant, which makes the run CPU-bound).
  const latencyMs = args.includes('--latency-ms') ? flag(args, 'latency-ms', 1) : 0;
  const stack = await startBenchStack(log);
  const sim = await startSimulator({
    records,
    seed: 42,
    port: 0,
    mediaPerRecord,
    ...(latencyMs ? { latencyMs } : {}),
    ...(platform === 'trestle'
      ? {
          personality: 'trestle' as const,
          personalityOptions: { clientId: TRESTLE_CLIENT.clientId, clientSecret: TRESTLE_CLIENT.clientSecret },
        }
      : {}),
  });
  const target = await benchTarget(kind, stack.mysqlServerUrl);
  const databases = { control: 'resync_bench_control', load: 'resync_bench_load', loadServed: 'resync_bench_load_served' };
  await target.reset();
  for (const db of Object.values(databases)) await query(stack.mysqlServerUrl, `DROP DATABASE IF EXISTS \`${db}\``);

  const configInput = (place: 'e2e' | 'ceiling') => ({
    sources: {
      bench: {
        url: sim.url,
        resources: [{ name: 'Property', pageSize, expand: [{ name: 'Media' }] }],
        ...(platform === 'trestle'
          ? { platform: 'trestle', auth: { type: 'oauth2', tokenUrl: `${sim.origin}${TOKEN_PATH}`, ...TRESTLE_CLIENT } }
          : {}),
      },
    },
    destinations: { main: target.config(place) },
    control: { url: withDatabase(stack.mysqlServerUrl, databases.control) },
    temporal: { address: stack.temporal.address, taskQueue: 'resync-bench' },
    logging: { level: 'warn', dir: 'logs/bench' },
  });
  log(
    `sync-bench: ${records} Property records (${mediaPerRecord} Media each), ${platform}, pages of ${pageSize}, into ${kind}` +
      (latencyMs ? `, the MLS answering after ${latencyMs} ms` : ''),
  );
  // The MLS's own work (generating and serialising records) is done before the clock starts: on a
  // small machine it would otherwise take CPU from the worker and MariaDB being measured.
  const renderStarted = Date.now();
  sim.prerender('Property', { expand: [{ name: 'Media' }] });
  log(`simulator: records rendered ahead in ${((Date.now() - renderStarted) / 1000).toFixed(1)} s`);

  // End to end.
  const workerConfigFile = writeBenchConfig('sync', configInput('e2e'));
  // `--cpu-prof`: the worker writes a V8 CPU profile of the whole run into logs/bench-profiles/.
  const profile = args.includes('--cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${fromRoot('logs', 'bench-profiles')}`] : [];
  const worker = await startBenchWorker(workerConfigFile, profile);
  const config = parseConfig(configInput('e2e'));
  const client = await connectClient(config);
  // MariaDB's CPU is the destination's only for the MariaDB destination (otherwise it holds only the control tables).
  const mariadbPid = kind === 'mysql' ? await serverPid(stack.mysqlServerUrl) : undefined;
  const bufferPoolMb = kind === 'mysql' ? (await bufferPoolBytes(stack.mysqlServerUrl)) / 2 ** 20 : undefined;
  const meter = cpuMeter({ worker: worker.child.pid, mariadb: mariadbPid });
  const started = Date.now();
  const handle = await startSync(client, config, 'bench', 'Property');
  const result = await handle.result();
  const e2eSeconds = (Date.now() - started) / 1000;
  const e2eCpu = meter();
  const peakRssMb = worker.peakRssMb();
  // Nothing new at the MLS now: what an operator's next `resync sync --wait` costs.
  // Several runs, the median reported: one run's figure moves by tens of ms with whatever else the
  // machine (or the worker's garbage collector) is doing at that moment.
  const noChangeRuns: NoChangeSync[] = [];
  for (let i = 0; i < flag(args, 'no-change-runs', 5); i++) {
    const run = await measureNoChangeSync(client, workerConfigFile, 'bench', 'Property');
    noChangeRuns.push(run);
    log(
      `no-change sync: ${run.wallSeconds.toFixed(2)} s wall (resync sync --wait), worker ${run.workerSeconds.toFixed(2)} s ` +
        `(${[...run.activities.map((a) => `${a.name} ${a.ms} ms`), `${run.workflowTasks} workflow tasks`].join(', ')})`,
    );
  }
  const noChange = {
    wallSeconds: median(noChangeRuns.map((r) => r.wallSeconds)),
    workerSeconds: median(noChangeRuns.map((r) => r.workerSeconds)),
  };
  await worker.stop();
  await client.connection.close();
  if (result.upserted !== records) throw new Error(`sync-bench: upserted ${result.upserted} of ${records}`);
  const e2ePerSecond = records / e2eSeconds;
  log(
    `end to end: ${e2eSeconds.toFixed(1)} s, ${Math.round(e2ePerSecond)} records/s, ${result.pages} pages, ${sim.prerenderedServed()} records served pre-rendered`,
  );
  const cpu = cpuFigures(e2eCpu, result.pages, records);
  log(cpu.line);

  // Ceiling: the same rows, the same writer, no HTTP and no Temporal. Records are generated
  // outside the timed part.
  const ceilingConfig = parseConfig(configInput('ceiling'));
  const runtime = new Runtime(ceilingConfig, pino({ level: 'silent' }));
  const model = await runtime.resourceModel('bench', 'Property');
  const [destination] = runtime.destinationsFor('bench');
  await destination!.ensureSchema(model);
  const keys = sim.dataset.liveKeys();
  const pages = function* () {
    for (let i = 0; i < keys.length; i += pageSize) {
      yield keys.slice(i, i + pageSize).map((k) => ({ ...sim.dataset.getRecord(k)!, Media: sim.dataset.getMedia(k) }));
    }
  };
  let writeMs = 0;
  for (const page of pages()) {
    const t = performance.now();
    await destination!.writePage(model, page);
    writeMs += performance.now() - t;
  }
  // What the sync does when its window ends (Solr: the hard commit), inside the clock as end to end.
  const finishing = performance.now();
  await destination!.finish?.(model);
  writeMs += performance.now() - finishing;
  await runtime.close();
  const ceilingPerSecond = records / (writeMs / 1000);
  log(`ceiling: ${(writeMs / 1000).toFixed(1)} s of writes, ${Math.round(ceilingPerSecond)} records/s`);

  // The physical ceiling (MariaDB only): the same rows bulk-loaded into empty tables. In key order
  // (the primary key's: each page lands at the end of the index, the server's best case), and in the
  // order the MLS serves them (by ModificationTimestamp: keys all over the index, as a sync gets them).
  let load: { key: LoadFigures; served: LoadFigures } | undefined;
  if (kind === 'mysql') {
    const feed = sim.dataset.feed().byTime;
    const served = Array.from({ length: feed.length }, (_, i) => sim.dataset.keyOf(feed.at(i)));
    const measure = async (order: string[], database: string, label: string): Promise<LoadFigures> => {
      // Pages of 1,000 rows per LOAD DATA at least: fewer, larger statements are the fast path.
      const chunk = Math.max(pageSize, 1000);
      const chunks = function* () {
        for (let i = 0; i < order.length; i += chunk) {
          yield order.slice(i, i + chunk).map((k) => ({ ...sim.dataset.getRecord(k)!, Media: sim.dataset.getMedia(k) }));
        }
      };
      const result = await loadCeiling(withDatabase(stack.mysqlServerUrl, database), model, chunks(), mariadbPid);
      if (result.rows !== records) throw new Error(`sync-bench: the load ceiling loaded ${result.rows} of ${records}`);
      const perSecond = records / result.loadSeconds;
      log(
        `load ceiling, ${label}: ${result.loadSeconds.toFixed(1)} s of LOAD DATA, ${Math.round(perSecond)} records/s (shaping and converting, not counted: ${result.convertSeconds.toFixed(1)} s)` +
          (result.serverCpuSeconds === undefined ? '' : `; MariaDB used ${result.serverCpuSeconds.toFixed(1)} s of CPU`),
      );
      const pages = Math.ceil(records / chunk);
      return {
        perSecond,
        serverCpuMsPerPage: result.serverCpuSeconds === undefined ? undefined : (result.serverCpuSeconds * 1000) / pages,
      };
    };
    load = {
      key: await measure(keys, databases.load, 'key order'),
      served: await measure(served, databases.loadServed, "the MLS's order"),
    };
  }

  await sim.close();
  await stack.stop();
  const ratio = e2ePerSecond / ceilingPerSecond;
  console.log(
    `sync-bench destination=${kind} platform=${platform} page_size=${pageSize} ratio=${ratio.toFixed(2)} records_per_s=${Math.round(e2ePerSecond)} ceiling_per_s=${Math.round(ceilingPerSecond)}` +
      (load === undefined
        ? ''
        : ` load_ceiling_per_s=${Math.round(load.key.perSecond)} load_ratio=${(e2ePerSecond / load.key.perSecond).toFixed(2)}` +
          ` load_ceiling_served_order_per_s=${Math.round(load.served.perSecond)} load_ratio_served_order=${(e2ePerSecond / load.served.perSecond).toFixed(2)}`) +
      cpu.fields +
      (load?.key.serverCpuMsPerPage === undefined ? '' : ` load_mariadb_cpu_ms_per_page=${Math.round(load.key.serverCpuMsPerPage)}`) +
      (load?.served.serverCpuMsPerPage === undefined
        ? ''
        : ` load_served_order_mariadb_cpu_ms_per_page=${Math.round(load.served.serverCpuMsPerPage)}`) +
      (bufferPoolMb === undefined ? '' : ` buffer_pool_mb=${Math.round(bufferPoolMb)}`) +
      ` peak_rss_mb=${peakRssMb} ready_rss_mb=${worker.readyRssMb} no_change_wall_s=${noChange.wallSeconds.toFixed(2)} no_change_worker_s=${noChange.workerSeconds.toFixed(2)}`,
  );
}

/** A load ceiling's rate, and the server's CPU per page of it when its pid is known. */
interface LoadFigures {
  perSecond: number;
  serverCpuMsPerPage: number | undefined;
}
