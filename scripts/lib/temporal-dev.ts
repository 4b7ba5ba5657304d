// Launches (or reuses) the Temporal CLI's dev server according to temporal-dev.yaml.
// Two modes: detached (npm start / `resync dev`: the server outlives the command, tracked
// by a pid file) and attached (tests: the server dies with stop() or with the process).
import { spawn } from 'node:child_process';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import type { Log } from './log';
import { silentLog } from './log';
import { isPortOpen } from './net';
import { paths } from './paths';
import { indent, isLiveProcessMatching, readPidFile, tailFile, terminate } from './proc';
import { findTemporalCli } from './temporal-cli';
import type { TemporalDevConfig } from './temporal-dev-config';
import { frontendAddress, toStartDevArgs, uiUrl } from './temporal-dev-config';
import { ensureNamespaceSettings } from './temporal-namespace';

export * from './temporal-dev-config';
export { ensureNamespaceSettings } from './temporal-namespace';
export type { NamespaceSettings, NamespaceSettingsResult } from './temporal-namespace';
export { findFreePort, isPortOpen } from './net';

/** Pid file of a detached dev server started from this checkout. */
export const defaultTemporalDevPidFile = join(paths.data, 'temporal', 'dev-server.pid');
export const defaultTemporalDevLogFile = join(paths.logs, 'temporal-dev.log');

/**
 * True when a Temporal frontend answers on `address` (gRPC GetSystemInfo). Anything else
 * on the port — nothing, or a non-Temporal server — yields false.
 */
export async function isTemporalServing(address: string, timeoutMs = 1_500): Promise<boolean> {
  const split = /^(.*):(\d+)$/.exec(address);
  if (split && !(await isPortOpen(split[1] ?? '', Number(split[2]), timeoutMs))) return false;
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    const conn = connection;
    await conn.withDeadline(Date.now() + timeoutMs, () => conn.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

export interface StartTemporalDevOptions {
  config: TemporalDevConfig;
  /** Applied on top of `config` (tests: free ports, in-memory DB). */
  overrides?: Partial<TemporalDevConfig>;
  /** true: survives this process (pid file); false: stopped by stop() or when this process exits. */
  detached: boolean;
  /** Server stdout/stderr (appended). Default `logs/temporal-dev.log`. */
  logFile?: string;
  /** Default: findTemporalCli(). */
  cliPath?: string;
  /** Detached mode only. Default `.data/temporal/dev-server.pid`. */
  pidFile?: string;
  /** Default 60 s. */
  readyTimeoutMs?: number;
  log?: Log;
}

export interface TemporalDevServer {
  /** `host:port` for Connection.connect / `--address`. */
  address: string;
  /** Web UI, undefined when headless. */
  uiUrl: string | undefined;
  namespace: string;
  /** Undefined when an already running server was reused. */
  pid: number | undefined;
  /** False when an already running server was reused (stop() then does nothing). */
  started: boolean;
  stop(): Promise<void>;
}

async function waitUntilServing(address: string, timeoutMs: number, exited: () => boolean): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) return 'exited';
    if (await isTemporalServing(address, 1_000)) return 'ready';
    await sleep(200);
  }
  return 'timeout';
}

/**
 * Starts the dev server unless something already serves the configured address, waits
 * until its frontend answers, then applies namespace settings (search attributes,
 * retention) — also to a reused server, since an existing DB keeps its old settings.
 */
export async function startTemporalDev(options: StartTemporalDevOptions): Promise<TemporalDevServer> {
  const log = options.log ?? silentLog;
  const config: TemporalDevConfig = { ...options.config, ...options.overrides };
  const address = frontendAddress(config);
  const settings = {
    address,
    namespace: config.namespace,
    searchAttributes: config.searchAttributes,
    retention: config.retention,
    log,
  };
  const base = { address, uiUrl: uiUrl(config), namespace: config.namespace };

  if (await isTemporalServing(address)) {
    log(`Temporal already serving on ${address}; reusing it`);
    await ensureNamespaceSettings(settings);
    return { ...base, pid: undefined, started: false, stop: async () => {} };
  }

  const cliPath = options.cliPath ?? (await findTemporalCli({ log }))?.path;
  if (!cliPath) {
    throw new Error('Temporal CLI not found: run `npm run setup` (builds it into .tools/bin) or set $TEMPORAL_CLI.');
  }
  if (config.dbFilename) await mkdir(dirname(config.dbFilename), { recursive: true });
  const logFile = options.logFile ?? defaultTemporalDevLogFile;
  await mkdir(dirname(logFile), { recursive: true });

  const args = toStartDevArgs(config);
  const out = await open(logFile, 'a');
  let child;
  try {
    await out.write(`\n--- ${new Date().toISOString()} ${cliPath} ${args.join(' ')}\n`);
    child = spawn(cliPath, args, { detached: options.detached, stdio: ['ignore', out.fd, out.fd] });
  } finally {
    await out.close();
  }
  let exitCode: number | null | undefined;
  child.on('exit', (code, signal) => {
    exitCode = code ?? (signal ? -1 : null);
  });
  child.on('error', () => {
    exitCode = exitCode ?? -1;
  });
  const pid = child.pid;
  // Attached: never leave an orphaned server behind if the caller forgets stop() or crashes.
  const killOnExit = () => {
    if (exitCode === undefined) child.kill('SIGKILL');
  };
  if (!options.detached) process.once('exit', killOnExit);

  const started = Date.now();
  log(`starting Temporal dev server on ${address} (log ${logFile})…`);
  const outcome = await waitUntilServing(address, options.readyTimeoutMs ?? 60_000, () => exitCode !== undefined);
  if (outcome !== 'ready') {
    if (pid && exitCode === undefined) await terminate(pid, 5_000);
    process.removeListener('exit', killOnExit);
    const why = outcome === 'exited' ? `exited (code ${exitCode})` : 'did not answer in time';
    throw new Error(`Temporal dev server on ${address} ${why}. Last lines of ${logFile}:\n${indent(await tailFile(logFile, 25))}`);
  }
  log(`  Temporal dev server ready in ${Date.now() - started} ms (pid ${pid})`);

  const pidFile = options.pidFile ?? defaultTemporalDevPidFile;
  const stop = async () => {
    if (pid) await terminate(pid, 10_000);
    process.removeListener('exit', killOnExit);
    if (options.detached) await rm(pidFile, { force: true });
  };
  try {
    await ensureNamespaceSettings(settings);
  } catch (error) {
    await stop();
    throw error;
  }
  if (options.detached) {
    child.unref();
    await mkdir(dirname(pidFile), { recursive: true });
    await writeFile(pidFile, `${pid}\n`);
  }
  return { ...base, pid, started: true, stop };
}

/**
 * Stops a detached dev server recorded in the pid file. The command line is checked on
 * Linux so a stale pid file can never make us kill an unrelated process.
 */
export async function stopTemporalDev(pidFile: string = defaultTemporalDevPidFile): Promise<{ stopped: boolean; pid?: number }> {
  const pid = await readPidFile(pidFile);
  if (!pid || !(await isLiveProcessMatching(pid, (argv) => argv.includes('start-dev')))) {
    await rm(pidFile, { force: true });
    return { stopped: false };
  }
  await terminate(pid, 10_000);
  await rm(pidFile, { force: true });
  return { stopped: true, pid };
}
