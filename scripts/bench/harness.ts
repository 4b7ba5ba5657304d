/**
 * What every benchmark needs: a Temporal dev server (in memory, free ports), the MariaDB, a
 * config written to a file, and a worker (the built CLI, as in production) in a child process whose
 * peak RSS can be read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { ensureMariaDb, ensureTemporalCli } from '../lib/setup-steps';
import { findFreePort, loadTemporalDevConfig, startTemporalDev, type TemporalDevServer } from '../lib/temporal-dev';
import { fromRoot } from '../lib/paths';
import { buildCli, DIST_LAUNCHER } from '../build';

export interface BenchStack {
  temporal: TemporalDevServer;
  mysqlServerUrl: string;
  stop(): Promise<void>;
}

export async function startBenchStack(log: (line: string) => void): Promise<BenchStack> {
  const cli = await ensureTemporalCli(log);
  const db = await ensureMariaDb({ log });
  const temporal = await startTemporalDev({
    config: await loadTemporalDevConfig(),
    overrides: { port: await findFreePort(), uiPort: await findFreePort(), dbFilename: null, ui: false },
    detached: false,
    cliPath: cli.path,
    logFile: fromRoot('logs', 'temporal-bench.log'),
  });
  return { temporal, mysqlServerUrl: db.url, stop: () => temporal.stop() };
}

export function writeBenchConfig(name: string, config: object): string {
  const dir = fromRoot('.data', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.config.mjs`);
  writeFileSync(file, `export default ${JSON.stringify(config, null, 2)};\n`);
  return file;
}

export interface BenchWorker {
  child: ChildProcess;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  /** Peak resident set size when the worker said it was ready (before any work), in MB. */
  readyRssMb: number;
  stop(): Promise<void>;
}

/** `nodeArgs`: flags for the worker's node, e.g. `--max-old-space-size=128`. */
export async function startBenchWorker(configFile: string, nodeArgs: string[] = []): Promise<BenchWorker> {
  const log = createWriteStream(fromRoot('logs', 'bench-worker.log'), { flags: 'a' });
  // The worker as production runs it: the built CLI's launcher, dist/resync (see scripts/build.ts),
  // on this very node.
  await buildCli();
  const child = spawn(DIST_LAUNCHER, ['--config', configFile, 'worker'], {
    cwd: fromRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
    // The operator's own RESYNC_NODE_FLAGS still apply (to try a V8 flag on the benchmark), after the benchmark's.
    env: {
      ...process.env,
      RESYNC_NODE: process.execPath,
      RESYNC_NODE_FLAGS: [...nodeArgs, process.env.RESYNC_NODE_FLAGS ?? ''].join(' ').trim(),
    },
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('resync worker ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`bench worker exited with ${code}; see logs/bench-worker.log`)));
  });
  const peakRssMb = () => {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  };
  return {
    child,
    peakRssMb,
    readyRssMb: peakRssMb(),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} needs a positive whole number`);
  return n;
}
