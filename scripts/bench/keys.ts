/**
 * What the purge and reconcile benchmarks share: the simulator with N listings serving key-only
 * pages of the platform's size, a destination table with the full schema filled fast with just key
 * and timestamp (every other column NULL), a worker in a child process, and one timed run.
 */
import mysql from 'mysql2/promise';
import pino from 'pino';
import { parseConfig, withDatabase } from '../../config';
import { Runtime } from '../../activities/runtime';
import { platformFor } from '../../activities/source/platforms';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { connectClient } from '../../worker/temporal';
import type { KeyProcess, KeyRunResult } from '../../workflows/key-types';
import { resourceWorkflowId, SEARCH_ATTRIBUTES } from '../../workflows/names';
import { flag, startBenchStack, startBenchWorker, writeBenchConfig, type BenchStack } from './harness';
import { query } from './sql';

/** Rows per INSERT while filling the destination. */
const FILL_ROWS = 10_000;

export interface KeyBench {
  stack: BenchStack;
  sim: SimulatorHandle;
  configInput: ReturnType<typeof benchConfigInput>;
  destinationUrl: string;
  close(): Promise<void>;
}

function benchConfigInput(process: KeyProcess, stack: BenchStack, simUrl: string) {
  return {
    sources: { bench: { url: simUrl, resources: [{ name: 'Property' }] } },
    destinations: { main: { type: 'mysql' as const, url: withDatabase(stack.mysqlServerUrl, `resync_bench_${process}`) } },
    control: { url: withDatabase(stack.mysqlServerUrl, `resync_bench_${process}_control`) },
    temporal: { address: stack.temporal.address, taskQueue: `resync-bench-${process}` },
    logging: { level: 'warn' as const, dir: 'logs/bench' },
  };
}

export async function startKeyBench(process: KeyProcess, keys: number, log: (line: string) => void): Promise<KeyBench> {
  const stack = await startBenchStack(log);
  // The server honours the platform's key-only page size, as a platform's replication endpoint does.
  const sim = await startSimulator({ records: keys, seed: 42, port: 0, pageSize: platformFor('generic').pageSize.keyOnlyMax });
  const configInput = benchConfigInput(process, stack, sim.url);
  for (const url of [configInput.destinations.main.url, configInput.control.url]) {
    await query(stack.mysqlServerUrl, `DROP DATABASE IF EXISTS \`${new URL(url).pathname.slice(1)}\``);
  }
  // The table exactly as sync would create it from $metadata.
  const runtime = new Runtime(parseConfig(configInput), pino({ level: 'silent' }));
  try {
    const model = await runtime.resourceModel('bench', 'Property');
    await runtime.destinationsFor('bench')[0]!.ensureSchema(model);
  } finally {
    await runtime.close();
  }
  return {
    stack,
    sim,
    configInput,
    destinationUrl: configInput.destinations.main.url,
    async close() {
      await sim.close();
      await stack.stop();
    },
  };
}

/**
 * Fills the destination with every listing's key and timestamp; `skip` leaves a key out and
 * `olderBy` stores it that many ms older than the MLS has it.
 */
export async function fillDestination(
  bench: KeyBench,
  opts: { skip?: (i: number) => boolean; olderBy?: (i: number) => number } = {},
): Promise<number> {
  const u = new URL(bench.destinationUrl);
  const conn = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
  });
  const { dataset } = bench.sim;
  const keys = dataset.liveKeys();
  let rows = 0;
  try {
    await conn.query("SET time_zone = '+00:00'");
    for (let start = 0; start < keys.length; start += FILL_ROWS) {
      const values: [string, string][] = [];
      for (let i = start; i < Math.min(start + FILL_ROWS, keys.length); i++) {
        if (opts.skip?.(i)) continue;
        const key = keys[i]!;
        const ms = dataset.modifiedMs(dataset.indexOfKey(key)!) - (opts.olderBy?.(i) ?? 0);
        values.push([key, new Date(ms).toISOString().replace('T', ' ').replace('Z', '')]);
      }
      if (values.length === 0) continue;
      await conn.query('INSERT INTO Property (ListingKey, ModificationTimestamp) VALUES ?', [values]);
      rows += values.length;
    }
  } finally {
    await conn.end();
  }
  return rows;
}

/**
 * Runs the process on a fresh child-process worker: wall time from start to result, the worker's
 * peak RSS, and its RSS when it was ready (the part no run is responsible for). `heapMb` caps the
 * worker's V8 old space (`--max-old-space-size`), to show what the run itself keeps.
 */
export async function timedRun(
  bench: KeyBench,
  process: KeyProcess,
  heapMb?: number,
): Promise<{ result: KeyRunResult; seconds: number; peakRssMb: number; readyRssMb: number }> {
  const worker = await startBenchWorker(writeBenchConfig(process, bench.configInput), heapMb ? [`--max-old-space-size=${heapMb}`] : []);
  const config = parseConfig(bench.configInput);
  const client = await connectClient(config);
  try {
    const started = Date.now();
    const handle = await client.workflow.start(process === 'purge' ? 'purgeResource' : 'reconcileResource', {
      taskQueue: config.temporal.taskQueue,
      workflowId: resourceWorkflowId(process, 'bench', 'Property'),
      args: [{ source: 'bench', resource: 'Property' }],
      workflowIdConflictPolicy: 'TERMINATE_EXISTING',
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.source, value: 'bench' },
        { key: SEARCH_ATTRIBUTES.resource, value: 'Property' },
        { key: SEARCH_ATTRIBUTES.process, value: process },
        { key: SEARCH_ATTRIBUTES.records, value: 0 },
      ],
    });
    const result = (await handle.result()) as KeyRunResult;
    const seconds = (Date.now() - started) / 1000;
    return { result, seconds, peakRssMb: worker.peakRssMb(), readyRssMb: worker.readyRssMb };
  } finally {
    await client.connection.close();
    await worker.stop();
  }
}

/** `--worker-heap-mb N`, when given. */
export function heapFlag(args: string[]): number | undefined {
  return args.includes('--worker-heap-mb') ? flag(args, 'worker-heap-mb', 0) : undefined;
}
