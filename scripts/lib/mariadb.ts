// The project-local MariaDB: a private server with its data under `.data/mariadb/`, on its
// own port, started detached so it outlives `npm run setup` and serves the worker, the
// dashboard and the tests. A system-wide server (port 3306, /etc/mysql config) is never
// touched: `--no-defaults` keeps distro option files out of the picture.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { aptInstall } from './apt';
import { withFileLock } from './lock';
import type { Log } from './log';
import { silentLog } from './log';
import { paths } from './paths';
import { indent, isProcessAlive, isRoot, livePidFrom, runCommand, tailFile, terminate, waitUntilOursAnswers, which } from './proc';
import { portFromEnv } from './net';

export const DEFAULT_MARIADB_PORT = 3407;

/** Options shared by ensure/stop/status; every field has a project default. */
export interface MariaDbOptions {
  /** TCP port on 127.0.0.1. Default: $RESYNC_MYSQL_PORT, else 3407. */
  port?: number;
  /** Folder holding data/, the pid file and logs. Default: `.data/mariadb`. */
  baseDir?: string;
  log?: Log;
}

export interface EnsureMariaDbOptions extends MariaDbOptions {
  /** Install `mariadb-server` with apt-get when the server binary is missing (root only). Default true. */
  install?: boolean;
  /** How long to wait for a started server to accept connections. Default 60 s. */
  startTimeoutMs?: number;
  /** Consult $RESYNC_MYSQL_URL first. Default true. */
  useEnvUrl?: boolean;
}

export interface MariaDbInstance {
  /** e.g. `mysql://root@127.0.0.1:3407` */
  url: string;
  /** True when this call started the server (false: reused a running one or $RESYNC_MYSQL_URL). */
  started: boolean;
}

interface Layout {
  port: number;
  baseDir: string;
  dataDir: string;
  pidFile: string;
  errorLog: string;
  stdoutLog: string;
  socket: string;
  url: string;
}

function resolvePort(port: number | undefined): number {
  return portFromEnv(port, 'RESYNC_MYSQL_PORT', DEFAULT_MARIADB_PORT);
}

/**
 * Unix socket paths are limited to ~107 bytes (sun_path). A deep checkout would push the
 * socket past that and mariadbd would refuse to start, so fall back to the temp dir with
 * a name derived from the data dir (stable per checkout, distinct between checkouts).
 */
export function chooseSocketPath(baseDir: string): string {
  const preferred = join(baseDir, 'mariadb.sock');
  if (Buffer.byteLength(preferred) <= 100) return preferred;
  const hash = createHash('sha256').update(baseDir).digest('hex').slice(0, 12);
  return join(tmpdir(), `resync-mariadb-${hash}.sock`);
}

function layout(options: MariaDbOptions): Layout {
  const port = resolvePort(options.port);
  const baseDir = options.baseDir ?? join(paths.data, 'mariadb');
  return {
    port,
    baseDir,
    dataDir: join(baseDir, 'data'),
    pidFile: join(baseDir, 'mariadbd.pid'),
    errorLog: join(baseDir, 'error.log'),
    stdoutLog: join(baseDir, 'mariadbd.out.log'),
    socket: chooseSocketPath(baseDir),
    url: `mysql://root@127.0.0.1:${port}`,
  };
}

/** Opens a connection and runs `SELECT 1`; resolves the error message, or undefined on success. */
export async function probeMysqlUrl(url: string, timeoutMs = 3_000): Promise<string | undefined> {
  let connection: Connection | undefined;
  try {
    connection = await createConnection({ uri: url, connectTimeout: timeoutMs });
    await connection.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await connection?.end().catch(() => undefined);
  }
}

/** Hides a password in a URL before it is printed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

const sbinDirs = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin'];

async function findServerBinary(): Promise<string | undefined> {
  return (await which('mariadbd', sbinDirs)) ?? (await which('mysqld', sbinDirs));
}

async function findInstallDb(): Promise<string | undefined> {
  return (await which('mariadb-install-db', sbinDirs)) ?? (await which('mysql_install_db', sbinDirs));
}

/** The pid from our pid file, if that process is alive and is still a MariaDB server on our data dir. */
async function livePid(l: Layout): Promise<number | undefined> {
  return livePidFrom(l.pidFile, (argv) => argv.includes(`--datadir=${l.dataDir}`));
}

/** Finds mariadbd, installing mariadb-server when allowed and possible. */
async function ensureServerBinary(install: boolean, log: Log): Promise<string> {
  const existing = await findServerBinary();
  if (existing) return existing;
  const hint =
    'Install it yourself (Debian/Ubuntu: `sudo apt-get install mariadb-server`; macOS: `brew install mariadb`), ' +
    'or point $RESYNC_MYSQL_URL at a MySQL/MariaDB server (e.g. mysql://user:pass@host:3306).';
  if (!install) throw new Error(`MariaDB server binary (mariadbd/mysqld) not found. ${hint}`);
  if (!isRoot()) throw new Error(`MariaDB server binary (mariadbd/mysqld) not found and not running as root. ${hint}`);
  if (!(await which('apt-get'))) throw new Error(`MariaDB server binary not found and apt-get is unavailable. ${hint}`);
  // The package's postinst may start a system server on :3306; harmless, ours uses its own port.
  log('MariaDB server not found; installing mariadb-server with apt-get…');
  await aptInstall('mariadb-server', log);
  const installed = await findServerBinary();
  if (!installed) throw new Error(`apt-get installed mariadb-server but mariadbd is still not found. ${hint}`);
  return installed;
}

/** Options passed both to install-db (so the redo log is created at its final size) and to mariadbd. */
const serverTuning = [
  // The workload is bulk upserts of wide rows plus key-set diffs: a decent buffer pool and
  // redo log, and no fsync per commit (a lost second of a local replica is re-synced anyway).
  '--innodb-buffer-pool-size=512M',
  '--innodb-log-file-size=256M',
  '--innodb-flush-log-at-trx-commit=2',
  // Media/description-heavy pages can make multi-row upserts large.
  '--max-allowed-packet=64M',
  '--character-set-server=utf8mb4',
  '--collation-server=utf8mb4_unicode_ci',
  '--skip-name-resolve',
  // Fail loudly instead of truncating data or silently changing the table engine.
  '--innodb-strict-mode=ON',
  '--sql-mode=STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION',
  // Timestamps are stored in UTC whatever the host's zone.
  '--default-time-zone=+00:00',
];

function isInitialised(l: Layout): boolean {
  return existsSync(join(l.dataDir, 'mysql'));
}

/**
 * Creates the system tables. Done in a scratch folder and renamed into place, so an
 * interrupted init never leaves a half-made data dir that later starts would trip over.
 */
async function initialiseDataDir(l: Layout, log: Log): Promise<void> {
  const installDb = await findInstallDb();
  if (!installDb) throw new Error('mariadb-install-db (or mysql_install_db) not found next to the MariaDB server.');
  const scratch = `${l.dataDir}.init`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(l.baseDir, { recursive: true });
  const started = Date.now();
  log(`initialising MariaDB data dir ${l.dataDir}…`);
  const args = [
    '--no-defaults', // must come first
    `--datadir=${scratch}`,
    // `normal` = root without a password (root@localhost, @127.0.0.1, @::1): a local,
    // loopback-only dev server, so no secret is needed and none can leak.
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    ...(isRoot() ? ['--user=root'] : []),
    ...serverTuning.filter((o) => o.startsWith('--innodb-log-file-size') || o === '--skip-name-resolve'),
  ];
  const result = await runCommand(installDb, args, { timeoutMs: 120_000 });
  if (result.code !== 0) {
    await rm(scratch, { recursive: true, force: true });
    throw new Error(
      `${installDb} failed (exit ${result.code}):\n` + indent((result.stderr || result.stdout).trim().split('\n').slice(-20).join('\n')),
    );
  }
  await rename(scratch, l.dataDir);
  log(`  initialised in ${Date.now() - started} ms`);
}

/** `@@datadir` of the server at `url`, normalised without a trailing slash. */
async function serverDataDir(url: string): Promise<string | undefined> {
  let connection: Connection | undefined;
  try {
    connection = await createConnection({ uri: url, connectTimeout: 1_000 });
    const [rows] = await connection.query<RowDataPacket[]>('SELECT @@datadir AS d');
    return String(rows[0]?.d ?? '').replace(/\/+$/, '');
  } catch {
    return undefined;
  } finally {
    await connection?.end().catch(() => undefined);
  }
}

async function waitUntilReachable(l: Layout, timeoutMs: number, exited: () => boolean): Promise<'ready' | 'exited' | 'timeout'> {
  // Ready means *our* server answers: a different server that grabbed the port meanwhile
  // must not be mistaken for it (ours will then exit on the port clash).
  return waitUntilOursAnswers(async () => (await serverDataDir(l.url)) === resolve(l.dataDir), exited, timeoutMs, 200);
}

async function startServer(binary: string, l: Layout, timeoutMs: number, log: Log): Promise<number> {
  const args = [
    '--no-defaults', // must come first
    `--datadir=${l.dataDir}`,
    `--port=${l.port}`,
    '--bind-address=127.0.0.1',
    `--socket=${l.socket}`,
    `--pid-file=${l.pidFile}`,
    `--log-error=${l.errorLog}`,
    // mariadbd refuses to run as root unless told to.
    ...(isRoot() ? ['--user=root'] : []),
    ...serverTuning,
  ];
  const out = await open(l.stdoutLog, 'a');
  const started = Date.now();
  log(`starting MariaDB on 127.0.0.1:${l.port} (data ${l.dataDir})…`);
  let exitCode: number | null | undefined;
  let child;
  try {
    // Detached + unref: its own process group, not killed when setup exits or on Ctrl-C.
    child = spawn(binary, args, { detached: true, stdio: ['ignore', out.fd, out.fd] });
  } finally {
    await out.close();
  }
  child.on('exit', (code, signal) => {
    exitCode = code ?? (signal ? -1 : null);
  });
  child.unref();
  const outcome = await waitUntilReachable(l, timeoutMs, () => exitCode !== undefined);
  if (outcome === 'ready') {
    log(`  MariaDB ready in ${Date.now() - started} ms (pid ${child.pid})`);
    return child.pid ?? 0;
  }
  if (outcome === 'timeout' && child.pid) await terminate(child.pid, 10_000);
  const why = outcome === 'exited' ? `mariadbd exited (code ${exitCode})` : `not accepting connections after ${timeoutMs} ms`;
  throw new Error(`MariaDB on port ${l.port}: ${why}. Last lines of ${l.errorLog}:\n${indent(await tailFile(l.errorLog, 25))}`);
}

/**
 * Makes a MySQL-compatible server available and returns its URL:
 * 1. $RESYNC_MYSQL_URL, when set and reachable;
 * 2. the project-local server, when already running (pid file or port answers);
 * 3. otherwise installs (apt, as root) / initialises / starts the local server, detached.
 */
export async function ensureMariaDb(options: EnsureMariaDbOptions = {}): Promise<MariaDbInstance> {
  const log = options.log ?? silentLog;
  const envUrl = process.env.RESYNC_MYSQL_URL?.trim();
  if (envUrl && options.useEnvUrl !== false) {
    const problem = await probeMysqlUrl(envUrl);
    if (!problem) return { url: envUrl, started: false };
    log(`RESYNC_MYSQL_URL (${redactUrl(envUrl)}) is not reachable (${problem}); using the project-local MariaDB instead`);
  }

  const l = layout(options);
  await mkdir(l.baseDir, { recursive: true });
  // Serialise check-then-start across processes (parallel test files, two terminals).
  // Generous timeout: the holder may be running apt-get.
  return withFileLock(join(l.baseDir, 'start.lock'), 15 * 60_000, () => ensureLocalServer(l, options, log));
}

async function ensureLocalServer(l: Layout, options: EnsureMariaDbOptions, log: Log): Promise<MariaDbInstance> {
  const pid = await livePid(l);
  if (pid) {
    // Running (perhaps still starting up): wait for it.
    const outcome = await waitUntilReachable(l, options.startTimeoutMs ?? 60_000, () => !isProcessAlive(pid));
    if (outcome === 'ready') return { url: l.url, started: false };
    if (outcome === 'timeout') {
      throw new Error(
        `MariaDB (pid ${pid}) is running but not accepting connections on port ${l.port}. ` +
          `Last lines of ${l.errorLog}:\n${indent(await tailFile(l.errorLog, 25))}`,
      );
    }
  }
  if (!(await probeMysqlUrl(l.url, 1_000))) {
    // Something answers as passwordless root on our port without our pid file: another
    // checkout's local server, most likely. Using it beats failing on the port clash.
    log(`a MySQL server already answers on 127.0.0.1:${l.port} (not started from ${l.baseDir}); reusing it`);
    return { url: l.url, started: false };
  }

  const binary = await ensureServerBinary(options.install !== false, log);
  if (!isInitialised(l)) await initialiseDataDir(l, log);
  // A pid file of a dead server (machine restart, kill -9) would only confuse status.
  await rm(l.pidFile, { force: true });
  await startServer(binary, l, options.startTimeoutMs ?? 60_000, log);
  return { url: l.url, started: true };
}

export interface StopMariaDbResult {
  /** True when a running server was stopped by this call. */
  stopped: boolean;
  pid?: number;
}

/** Stops the local server named by the pid file (clean InnoDB shutdown; SIGKILL after 60 s). */
export async function stopMariaDb(options: MariaDbOptions = {}): Promise<StopMariaDbResult> {
  const l = layout(options);
  const pid = await livePid(l);
  if (!pid) return { stopped: false };
  options.log?.(`stopping MariaDB (pid ${pid})…`);
  if (!(await terminate(pid, 60_000))) throw new Error(`MariaDB (pid ${pid}) did not stop`);
  return { stopped: true, pid };
}

export interface MariaDbStatus {
  /** `env` when $RESYNC_MYSQL_URL is set and reachable, else `local`. */
  source: 'env' | 'local';
  url: string;
  running: boolean;
  /** Server version reported by `SELECT VERSION()` when running. */
  version?: string;
  pid?: number;
  /** Local only: where mariadbd is, if installed. */
  binary?: string;
  /** Local only: whether `.data/mariadb/data` has been initialised. */
  initialised?: boolean;
  /** Why it is not usable, when it is not. */
  problem?: string;
}

async function serverVersion(url: string): Promise<string | undefined> {
  let connection: Connection | undefined;
  try {
    connection = await createConnection({ uri: url, connectTimeout: 2_000 });
    const [rows] = await connection.query<RowDataPacket[]>('SELECT VERSION() AS v');
    return String(rows[0]?.v ?? '');
  } catch {
    return undefined;
  } finally {
    await connection?.end().catch(() => undefined);
  }
}

/** Read-only status for `setup --check` and `resync dev status`; never starts anything. */
export async function mariaDbStatus(options: MariaDbOptions = {}): Promise<MariaDbStatus> {
  const envUrl = process.env.RESYNC_MYSQL_URL?.trim();
  if (envUrl) {
    const problem = await probeMysqlUrl(envUrl);
    if (!problem) return { source: 'env', url: redactUrl(envUrl), running: true, version: await serverVersion(envUrl) };
  }
  const l = layout(options);
  const pid = await livePid(l);
  const problem = await probeMysqlUrl(l.url, 1_000);
  const binary = await findServerBinary();
  return {
    source: 'local',
    url: l.url,
    running: !problem,
    ...(problem ? {} : { version: await serverVersion(l.url) }),
    ...(pid ? { pid } : {}),
    ...(binary ? { binary } : {}),
    initialised: isInitialised(l),
    ...(problem ? { problem: binary ? `not running (${problem})` : 'mariadbd is not installed' } : {}),
  };
}
