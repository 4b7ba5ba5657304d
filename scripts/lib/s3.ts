// The project-local S3-compatible server for the S3 media store's tests and a local `resync`:
// moto's S3 (https://github.com/getmoto/moto) in server mode, installed from PyPI into a
// project-local virtualenv (`.tools/s3/venv`, pinned by scripts/s3/requirements.txt) and started
// detached on 127.0.0.1. Why moto and not MinIO or S3Mock: docs/media.md ("Test servers").
// It keeps buckets in memory: a restart starts empty, which tests (each makes its own bucket) want.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { aptInstall } from './apt';
import { withFileLock } from './lock';
import type { Log } from './log';
import { silentLog } from './log';
import { redactUrl } from './mariadb';
import { paths } from './paths';
import { indent, isProcessAlive, isRoot, livePidFrom, runCommand, tailFile, terminate, waitUntilOursAnswers, which } from './proc';
import { portFromEnv } from './net';

export const DEFAULT_S3_PORT = 9010;
const requirementsFile = join(paths.root, 'scripts', 's3', 'requirements.txt');

/** Credentials for the local server (moto accepts any); $RESYNC_S3_ACCESS_KEY_ID / _SECRET_ACCESS_KEY for another endpoint. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export interface S3Options {
  /** TCP port on 127.0.0.1. Default: $RESYNC_S3_PORT, else 9010. */
  port?: number;
  /** Folder holding the pid file and the log. Default `.data/s3`. */
  baseDir?: string;
  /** The virtualenv. Default `.tools/s3/venv`. */
  venvDir?: string;
  log?: Log;
}

export interface EnsureS3Options extends S3Options {
  /** Install Debian's python3-venv with apt-get when venv creation fails (root only). Default true. */
  install?: boolean;
  /** How long to wait for a started server to answer. Default 60 s (under 1 s idle). */
  startTimeoutMs?: number;
  /** Consult $RESYNC_S3_URL first. Default true. */
  useEnvUrl?: boolean;
}

export interface S3Instance {
  /** Endpoint URL, e.g. `http://127.0.0.1:9010` (path-style buckets at `<url>/<bucket>`). */
  url: string;
  credentials: S3Credentials;
  /** True when this call started the server. */
  started: boolean;
}

interface Layout {
  port: number;
  baseDir: string;
  pidFile: string;
  logFile: string;
  venvDir: string;
  python: string;
  stamp: string;
  url: string;
}

function resolvePort(port: number | undefined): number {
  return portFromEnv(port, 'RESYNC_S3_PORT', DEFAULT_S3_PORT);
}

function layout(options: S3Options): Layout {
  const port = resolvePort(options.port);
  const baseDir = resolve(options.baseDir ?? join(paths.data, 's3'));
  const venvDir = resolve(options.venvDir ?? join(paths.tools, 's3', 'venv'));
  return {
    port,
    baseDir,
    pidFile: join(baseDir, 's3.pid'),
    logFile: join(baseDir, 's3.log'),
    venvDir,
    python: join(venvDir, 'bin', 'python'),
    stamp: `${venvDir}.requirements-sha256`,
    url: `http://127.0.0.1:${port}`,
  };
}

/** The credentials to sign with: $RESYNC_S3_ACCESS_KEY_ID etc. when set, else moto's any-will-do pair. */
export function s3Credentials(): S3Credentials {
  return {
    accessKeyId: process.env.RESYNC_S3_ACCESS_KEY_ID?.trim() || 'resync-test',
    secretAccessKey: process.env.RESYNC_S3_SECRET_ACCESS_KEY?.trim() || 'resync-test-secret',
    region: process.env.RESYNC_S3_REGION?.trim() || 'us-east-1',
  };
}

export function normaliseS3Url(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/**
 * Resolves undefined when something speaking HTTP answers at `url` the way an S3 endpoint does
 * (any status with an XML body or an x-amz-request-id header; unsigned requests are usually 403),
 * else the problem.
 */
export async function probeS3Url(url: string, timeoutMs = 3_000): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetch(`${normaliseS3Url(url)}/`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return `${redactUrl(url)}: ${cause?.code ?? cause?.message ?? (error as Error).message}`;
  }
  const body = await response.text().catch(() => '');
  if (response.headers.has('x-amz-request-id') || body.trimStart().startsWith('<?xml') || body.includes('ListAllMyBucketsResult')) {
    return undefined;
  }
  return `${redactUrl(url)} answered HTTP ${response.status} but not as an S3 endpoint`;
}

/** True when *moto* answers on the port (its own API at /moto-api/), not just any server. */
async function motoAnswers(l: Layout, timeoutMs = 1_000): Promise<boolean> {
  try {
    const response = await fetch(`${l.url}/moto-api/data.json`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function requirementsHash(): Promise<string> {
  return createHash('sha256')
    .update(await readFile(requirementsFile))
    .digest('hex');
}

async function venvPresent(l: Layout): Promise<boolean> {
  const stamp = await readFile(l.stamp, 'utf8').catch(() => '');
  return (
    stamp.trim() === (await requirementsHash()) &&
    (await runCommand(l.python, ['-c', 'import moto.server'], { timeoutMs: 30_000 }).then(
      (r) => r.code === 0,
      () => false,
    ))
  );
}

/** The pinned moto version (the one source of that number is requirements.txt). */
export async function pinnedMotoVersion(): Promise<string> {
  const text = await readFile(requirementsFile, 'utf8');
  return /^moto(?:\[[^\]]*\])?==(\S+)/m.exec(text)?.[1] ?? 'unknown';
}

async function createVenv(l: Layout, install: boolean, log: Log): Promise<void> {
  const python = await which('python3');
  const hint =
    'Install Python 3 with venv support yourself (Debian/Ubuntu: `sudo apt-get install python3-venv`) or point $RESYNC_S3_URL at an S3-compatible server.';
  if (!python) throw new Error(`python3 not found on PATH. ${hint}`);
  await rm(l.venvDir, { recursive: true, force: true });
  let result = await runCommand(python, ['-m', 'venv', l.venvDir], { timeoutMs: 120_000 });
  if (result.code !== 0 && install && isRoot() && (await which('apt-get'))) {
    // Debian ships venv's ensurepip separately.
    log('python3 -m venv failed; installing python3-venv with apt-get…');
    await aptInstall('python3-venv', log);
    await rm(l.venvDir, { recursive: true, force: true });
    result = await runCommand(python, ['-m', 'venv', l.venvDir], { timeoutMs: 120_000 });
  }
  if (result.code !== 0)
    throw new Error(`python3 -m venv failed (exit ${result.code}): ${(result.stderr || result.stdout).trim()}. ${hint}`);
}

/** Installs the pinned moto into the project's venv (about 15 s and 140 MB), once. */
export async function ensureMotoInstalled(options: EnsureS3Options = {}): Promise<string> {
  const l = layout(options);
  const log = options.log ?? silentLog;
  await mkdir(resolve(l.venvDir, '..'), { recursive: true });
  return withFileLock(`${l.venvDir}.lock`, 15 * 60_000, async () => {
    if (await venvPresent(l)) return l.python;
    const started = Date.now();
    await mkdir(paths.logs, { recursive: true });
    const logFile = join(paths.logs, 'pip-s3.log');
    log(`installing moto ${await pinnedMotoVersion()} from PyPI into ${l.venvDir} (output in ${logFile})…`);
    await createVenv(l, options.install !== false, log);
    const handle = await open(logFile, 'a');
    try {
      const result = await runCommand(
        l.python,
        ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', requirementsFile],
        { timeoutMs: 15 * 60_000, onLine: (line) => void handle.write(line + '\n') },
      );
      if (result.code !== 0) {
        throw new Error(`pip install failed (exit ${result.code}); last lines of ${logFile}:\n${indent(await tailFile(logFile, 20))}`);
      }
    } finally {
      await handle.close();
    }
    await writeFile(l.stamp, `${await requirementsHash()}\n`);
    log(`  installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return l.python;
  });
}

/** The pid from our pid file, if that process is alive and is still moto on our port. */
async function livePid(l: Layout): Promise<number | undefined> {
  return livePidFrom(l.pidFile, (argv) => argv.includes('moto.server') && argv.includes(String(l.port)));
}

async function waitUntilReady(l: Layout, timeoutMs: number, exited: () => boolean): Promise<'ready' | 'exited' | 'timeout'> {
  return waitUntilOursAnswers(async () => await motoAnswers(l), exited, timeoutMs, 150);
}

async function startServer(python: string, l: Layout, timeoutMs: number, log: Log): Promise<number> {
  const out = await open(l.logFile, 'a');
  const started = Date.now();
  log(`starting the S3 server (moto) on 127.0.0.1:${l.port}…`);
  let exitCode: number | null | undefined;
  let child;
  try {
    // Detached + unref: outlives setup, like the other local servers.
    child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(l.port)], {
      cwd: l.baseDir,
      detached: true,
      stdio: ['ignore', out.fd, out.fd],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
  } finally {
    await out.close();
  }
  child.on('exit', (code, signal) => {
    exitCode = code ?? (signal ? -1 : null);
  });
  child.unref();
  if (child.pid) await writeFile(l.pidFile, `${child.pid}\n`);
  const outcome = await waitUntilReady(l, timeoutMs, () => exitCode !== undefined);
  if (outcome === 'ready') {
    log(`  S3 server ready in ${Date.now() - started} ms (pid ${child.pid})`);
    return child.pid ?? 0;
  }
  if (outcome === 'timeout' && child.pid) await terminate(child.pid, 10_000);
  await rm(l.pidFile, { force: true });
  const why = outcome === 'exited' ? `the server exited (code ${exitCode})` : `not answering after ${timeoutMs} ms`;
  throw new Error(`S3 server on port ${l.port}: ${why}. Last lines of ${l.logFile}:\n${indent(await tailFile(l.logFile, 25))}`);
}

/**
 * Makes an S3-compatible endpoint available:
 * 1. $RESYNC_S3_URL, when set and answering;
 * 2. the project-local moto server, when already running;
 * 3. otherwise installs moto (PyPI, once) and starts it, detached.
 */
export async function ensureS3(options: EnsureS3Options = {}): Promise<S3Instance> {
  const log = options.log ?? silentLog;
  const envUrl = process.env.RESYNC_S3_URL?.trim();
  if (envUrl && options.useEnvUrl !== false) {
    const problem = await probeS3Url(envUrl);
    if (!problem) return { url: normaliseS3Url(envUrl), credentials: s3Credentials(), started: false };
    log(`RESYNC_S3_URL (${redactUrl(envUrl)}) is not reachable (${problem}); using the project-local S3 server instead`);
  }
  const l = layout(options);
  await mkdir(l.baseDir, { recursive: true });
  return withFileLock(join(l.baseDir, 'start.lock'), 15 * 60_000, async () => {
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const pid = await livePid(l);
    if (pid) {
      const outcome = await waitUntilReady(l, timeoutMs, () => !isProcessAlive(pid));
      if (outcome === 'ready') return { url: l.url, credentials: s3Credentials(), started: false };
    }
    if (await motoAnswers(l)) {
      log(`a moto server already answers on 127.0.0.1:${l.port}; reusing it`);
      return { url: l.url, credentials: s3Credentials(), started: false };
    }
    const python = await ensureMotoInstalled({ ...options, log });
    await rm(l.pidFile, { force: true });
    await startServer(python, l, timeoutMs, log);
    return { url: l.url, credentials: s3Credentials(), started: true };
  });
}

export interface StopS3Result {
  stopped: boolean;
  pid?: number;
}

/** Stops the local server named by the pid file (its buckets, held in memory, go with it). */
export async function stopS3(options: S3Options = {}): Promise<StopS3Result> {
  const l = layout(options);
  const pid = await livePid(l);
  if (!pid) return { stopped: false };
  options.log?.(`stopping the S3 server (pid ${pid})…`);
  if (!(await terminate(pid, 10_000))) throw new Error(`S3 server (pid ${pid}) did not stop`);
  await rm(l.pidFile, { force: true });
  return { stopped: true, pid };
}

export interface S3Status {
  source: 'env' | 'local';
  url: string;
  running: boolean;
  pid?: number;
  /** Local only: whether the venv holds the pinned moto. */
  installed?: boolean;
  version?: string;
  envUrlProblem?: string;
  problem?: string;
}

/** Read-only status for `setup --check`; never installs or starts anything. */
export async function s3Status(options: S3Options = {}): Promise<S3Status> {
  const envUrl = process.env.RESYNC_S3_URL?.trim();
  let envUrlProblem: string | undefined;
  if (envUrl) {
    const problem = await probeS3Url(envUrl);
    if (!problem) return { source: 'env', url: redactUrl(normaliseS3Url(envUrl)), running: true };
    envUrlProblem = `$RESYNC_S3_URL (${redactUrl(envUrl)}) is not reachable: ${problem}`;
  }
  const l = layout(options);
  const pid = await livePid(l);
  const installed = await venvPresent(l);
  const running = await motoAnswers(l);
  const version = await pinnedMotoVersion();
  return {
    source: 'local',
    url: l.url,
    running,
    version,
    installed,
    ...(pid ? { pid } : {}),
    ...(envUrlProblem ? { envUrlProblem } : {}),
    ...(running ? {} : { problem: installed ? 'not running' : `not running; moto ${version} not installed yet` }),
  };
}
