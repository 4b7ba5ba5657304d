// The project-local PostgreSQL 15: a private cluster with its data under `.data/postgres/`, on
// its own port, listening on 127.0.0.1 only and reachable over TCP only (no Unix socket), started
// detached so it outlives `npm run setup` and serves the tests and a local `resync`. A system
// cluster (port 5432, /etc/postgresql) is never touched: we call initdb and pg_ctl directly with
// our own data dir instead of Debian's pg_createcluster/pg_ctlcluster wrappers.
//
// initdb and pg_ctl refuse to run as root, so when setup runs as root (CI) they run as the
// `postgres` user that Debian's package creates, and the cluster's folders belong to that user.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { aptInstall } from './apt';
import { withFileLock } from './lock';
import type { Log } from './log';
import { silentLog } from './log';
import { redactUrl } from './mariadb';
import { paths } from './paths';
import {
  indent,
  isExecutable,
  isProcessAlive,
  isRoot,
  livePidFrom,
  runCommand,
  tailFile,
  waitForExit,
  waitUntilOursAnswers,
  which,
} from './proc';
import { portFromEnv } from './net';

export const DEFAULT_POSTGRES_PORT = 5433;
/** The major version setup installs (Debian bookworm's `postgresql-15`) and the oldest it accepts. */
export const POSTGRES_MAJOR = 15;
const DEBIAN_PACKAGE = `postgresql-${POSTGRES_MAJOR}`;
const DEBIAN_BIN_DIR = `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin`;
/** The OS user the server runs as when we are root (created by Debian's postgresql-common). */
const SERVER_USER = 'postgres';

export interface PostgresOptions {
  /** TCP port on 127.0.0.1. Default: $RESYNC_PG_PORT, else 5433. */
  port?: number;
  /** Folder holding data/ and the server log. Default: `.data/postgres` (see resolveBaseDir). */
  baseDir?: string;
  log?: Log;
}

export interface EnsurePostgresOptions extends PostgresOptions {
  /** Install `postgresql-15` with apt-get when the binaries are missing (root only). Default true. */
  install?: boolean;
  /** How long to wait for a started server to accept connections. Default 60 s. */
  startTimeoutMs?: number;
  /** Consult $RESYNC_PG_URL first. Default true. */
  useEnvUrl?: boolean;
}

export interface PostgresInstance {
  /** e.g. `postgres://postgres@127.0.0.1:5433/postgres` */
  url: string;
  /** True when this call started the server (false: reused a running one or $RESYNC_PG_URL). */
  started: boolean;
}

interface Layout {
  port: number;
  baseDir: string;
  dataDir: string;
  logFile: string;
  url: string;
}

function resolvePort(port: number | undefined): number {
  return portFromEnv(port, 'RESYNC_PG_PORT', DEFAULT_POSTGRES_PORT);
}

/** Runs a PostgreSQL tool as the server's owner: ourselves, or the `postgres` user when we are root. */
function asServerUser(command: string, args: readonly string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', SERVER_USER, '--', command, ...args]] : [command, [...args]];
}

/**
 * `.data/postgres`, unless we are root and the `postgres` user cannot reach the checkout (a clone
 * under /root, which is 0700): the cluster then lives in that user's home, in a folder named after
 * the checkout so two checkouts never share one. Deterministic, so stop and status find it again.
 */
async function resolveBaseDir(explicit: string | undefined): Promise<string> {
  if (explicit) return resolve(explicit);
  const inCheckout = join(paths.data, 'postgres');
  // Without the user (package not installed yet) there is nothing to run or find elsewhere.
  if (!isRoot() || !(await serverUserExists())) return inCheckout;
  const probe = await runCommand('runuser', ['-u', SERVER_USER, '--', 'test', '-x', paths.root], { cwd: '/' }).catch(() => undefined);
  if (!probe || probe.code === 0) return inCheckout;
  const hash = createHash('sha256').update(paths.root).digest('hex').slice(0, 12);
  return `/var/lib/postgresql/resync-${hash}`;
}

async function layout(options: PostgresOptions): Promise<Layout> {
  const port = resolvePort(options.port);
  const baseDir = await resolveBaseDir(options.baseDir);
  return {
    port,
    baseDir,
    dataDir: join(baseDir, 'data'),
    logFile: join(baseDir, 'postgres.log'),
    // The superuser created by initdb; trust authentication on loopback, so no password.
    url: `postgres://${SERVER_USER}@127.0.0.1:${port}/postgres`,
  };
}

/** Runs `fn` with a connected client; the client is always closed. */
async function withClient<T>(url: string, timeoutMs: number, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // A server shutting down mid-query emits 'error' on the client; without a listener that is an uncaught exception.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Connects and runs `SELECT 1`; resolves the error message, or undefined on success. */
export async function probePostgresUrl(url: string, timeoutMs = 3_000): Promise<string | undefined> {
  try {
    await withClient(url, timeoutMs, (client) => client.query('SELECT 1'));
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

async function serverVersion(url: string): Promise<string | undefined> {
  try {
    return await withClient(url, 2_000, async (client) => {
      const result = await client.query<{ server_version: string }>('SHOW server_version');
      return result.rows[0]?.server_version;
    });
  } catch {
    return undefined;
  }
}

/** `data_directory` of the server at `url` (superuser only), without a trailing slash. */
async function serverDataDir(url: string): Promise<string | undefined> {
  try {
    return await withClient(url, 1_000, async (client) => {
      const result = await client.query<{ data_directory: string }>('SHOW data_directory');
      return result.rows[0]?.data_directory.replace(/\/+$/, '');
    });
  } catch {
    return undefined;
  }
}

async function majorVersionOf(pgCtl: string): Promise<number | undefined> {
  const result = await runCommand(pgCtl, ['--version'], { timeoutMs: 10_000 }).catch(() => undefined);
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(result?.stdout ?? '');
  return match ? Number(match[1]) : undefined;
}

/** The folder holding initdb/pg_ctl/postgres: Debian's versioned folder, else a new-enough pg_ctl on PATH. */
export async function findPostgresBinDir(): Promise<string | undefined> {
  if (await isExecutable(join(DEBIAN_BIN_DIR, 'pg_ctl'))) return DEBIAN_BIN_DIR;
  const onPath = await which('pg_ctl');
  if (!onPath) return undefined;
  const major = await majorVersionOf(onPath);
  return major !== undefined && major >= POSTGRES_MAJOR ? resolve(onPath, '..') : undefined;
}

async function serverUserExists(): Promise<boolean> {
  const result = await runCommand('id', ['-u', SERVER_USER]).catch(() => undefined);
  return result?.code === 0;
}

async function ensureBinDir(install: boolean, log: Log): Promise<string> {
  const existing = await findPostgresBinDir();
  if (existing) return existing;
  const hint =
    `Install it yourself (Debian/Ubuntu: \`sudo apt-get install ${DEBIAN_PACKAGE}\`; macOS: \`brew install postgresql@${POSTGRES_MAJOR}\`), ` +
    'or point $RESYNC_PG_URL at a PostgreSQL server (e.g. postgres://user:pass@host:5432/postgres).';
  if (!install) throw new Error(`PostgreSQL ${POSTGRES_MAJOR}+ (pg_ctl) not found. ${hint}`);
  if (!isRoot()) throw new Error(`PostgreSQL ${POSTGRES_MAJOR}+ (pg_ctl) not found and not running as root. ${hint}`);
  if (!(await which('apt-get'))) throw new Error(`PostgreSQL ${POSTGRES_MAJOR}+ not found and apt-get is unavailable. ${hint}`);
  // The package's postinst creates (and may start) a system cluster on :5432; harmless, ours is separate.
  log(`PostgreSQL not found; installing ${DEBIAN_PACKAGE} with apt-get…`);
  await aptInstall(DEBIAN_PACKAGE, log);
  const installed = await findPostgresBinDir();
  if (!installed) throw new Error(`apt-get installed ${DEBIAN_PACKAGE} but pg_ctl is still not found in ${DEBIAN_BIN_DIR}. ${hint}`);
  return installed;
}

function isInitialised(l: Layout): boolean {
  return existsSync(join(l.dataDir, 'PG_VERSION'));
}

/** Makes `dir` exist and belong to the server's user (a no-op owner change when we are not root). */
async function ensureOwnedDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (!isRoot()) return;
  const result = await runCommand('chown', [`${SERVER_USER}:`, dir]);
  if (result.code !== 0) throw new Error(`could not give ${dir} to the ${SERVER_USER} user: ${result.stderr.trim()}`);
}

/**
 * Creates the cluster. Done in a scratch folder and renamed into place, so an interrupted initdb
 * never leaves a half-made data dir that later starts would trip over.
 */
async function initialiseDataDir(binDir: string, l: Layout, log: Log): Promise<void> {
  if (isRoot() && !(await serverUserExists())) {
    throw new Error(
      `running as root, but there is no '${SERVER_USER}' user to run initdb/pg_ctl as (Debian's postgresql-common creates it).`,
    );
  }
  const scratch = `${l.dataDir}.init`;
  await rm(scratch, { recursive: true, force: true });
  await ensureOwnedDir(l.baseDir);
  const started = Date.now();
  log(`initialising PostgreSQL data dir ${l.dataDir}…`);
  const [command, args] = asServerUser(join(binDir, 'initdb'), [
    `--pgdata=${scratch}`,
    `--username=${SERVER_USER}`,
    // A loopback-only dev/test server: no password, as with the project-local MariaDB's root.
    '--auth=trust',
    '--encoding=UTF8',
    // The C locale sorts by code point, the same on every machine, and needs no OS locale installed.
    '--locale=C',
  ]);
  const result = await runCommand(command, args, { cwd: l.baseDir, timeoutMs: 120_000 });
  if (result.code !== 0) {
    await rm(scratch, { recursive: true, force: true });
    throw new Error(
      `initdb failed (exit ${result.code}):\n` + indent((result.stderr || result.stdout).trim().split('\n').slice(-20).join('\n')),
    );
  }
  await rename(scratch, l.dataDir);
  log(`  initialised in ${Date.now() - started} ms`);
}

/** Server settings, given on the command line so the data dir's postgresql.conf stays initdb's own. */
function serverSettings(l: Layout): string[] {
  return [
    `port=${l.port}`,
    'listen_addresses=127.0.0.1',
    // TCP only: a socket path under a deep checkout would exceed the 107-byte sun_path limit.
    "unix_socket_directories=''",
    // Like the local MariaDB's innodb_flush_log_at_trx_commit=2: a crash may lose the last
    // commits (re-synced anyway) but never corrupts the cluster, unlike fsync=off.
    'synchronous_commit=off',
    'shared_buffers=256MB',
    'timezone=UTC',
    'log_timezone=UTC',
  ];
}

/** The postmaster's pid from postmaster.pid, if that process is alive and serves our data dir. */
async function livePid(l: Layout): Promise<number | undefined> {
  // PostgreSQL may rewrite its process title, so match the data dir anywhere in the command line.
  return livePidFrom(join(l.dataDir, 'postmaster.pid'), (argv) => argv.join(' ').includes(l.dataDir));
}

async function waitUntilReachable(l: Layout, timeoutMs: number, exited: () => boolean): Promise<'ready' | 'exited' | 'timeout'> {
  // Ready means *our* cluster answers, not another server that holds the port.
  return waitUntilOursAnswers(async () => (await serverDataDir(l.url)) === resolve(l.dataDir), exited, timeoutMs, 200);
}

async function startServer(binDir: string, l: Layout, timeoutMs: number, log: Log): Promise<void> {
  const started = Date.now();
  log(`starting PostgreSQL on 127.0.0.1:${l.port} (data ${l.dataDir})…`);
  // pg_ctl starts the postmaster in its own session (it survives setup and Ctrl-C) and, with -w,
  // returns once the server accepts connections. -o goes through /bin/sh, hence the quoting.
  const options = serverSettings(l)
    .map((setting) => `-c ${setting}`)
    .join(' ');
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  const [command, args] = asServerUser(join(binDir, 'pg_ctl'), [
    'start',
    '-D',
    l.dataDir,
    '-l',
    l.logFile,
    '-w',
    '-t',
    String(seconds),
    '-o',
    options,
  ]);
  const result = await runCommand(command, args, { cwd: l.baseDir, timeoutMs: timeoutMs + 10_000 });
  if (result.code !== 0) {
    throw new Error(
      `pg_ctl start failed (exit ${result.code}) for PostgreSQL on port ${l.port}:\n` +
        indent((result.stderr || result.stdout).trim()) +
        `\nLast lines of ${l.logFile}:\n${indent(await tailFile(l.logFile, 25))}`,
    );
  }
  const pid = await livePid(l);
  const outcome = await waitUntilReachable(l, 10_000, () => pid === undefined || !isProcessAlive(pid));
  if (outcome !== 'ready') {
    throw new Error(
      `PostgreSQL started but ${l.url} does not answer as the cluster in ${l.dataDir}. Last lines of ${l.logFile}:\n` +
        indent(await tailFile(l.logFile, 25)),
    );
  }
  log(`  PostgreSQL ready in ${Date.now() - started} ms (pid ${pid})`);
}

/**
 * Makes a PostgreSQL server available and returns its URL:
 * 1. $RESYNC_PG_URL, when set and reachable;
 * 2. the project-local cluster, when already running;
 * 3. otherwise installs (apt, as root) / initialises / starts the local cluster, detached.
 */
export async function ensurePostgres(options: EnsurePostgresOptions = {}): Promise<PostgresInstance> {
  const log = options.log ?? silentLog;
  const envUrl = process.env.RESYNC_PG_URL?.trim();
  if (envUrl && options.useEnvUrl !== false) {
    const problem = await probePostgresUrl(envUrl);
    if (!problem) return { url: envUrl, started: false };
    log(`RESYNC_PG_URL (${redactUrl(envUrl)}) is not reachable (${problem}); using the project-local PostgreSQL instead`);
  }
  // As root the folder depends on what the `postgres` user can reach, so that user (created by
  // the package) must exist before the layout is decided.
  if (isRoot() && !(await serverUserExists())) await ensureBinDir(options.install !== false, log);
  const l = await layout(options);
  // The lock lives beside the cluster, in a folder we (root or not) can write.
  await mkdir(l.baseDir, { recursive: true });
  // Serialise check-then-start across processes (parallel test runs, two terminals).
  return withFileLock(join(l.baseDir, 'start.lock'), 15 * 60_000, () => ensureLocalServer(l, options, log));
}

async function ensureLocalServer(l: Layout, options: EnsurePostgresOptions, log: Log): Promise<PostgresInstance> {
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const pid = await livePid(l);
  if (pid) {
    const outcome = await waitUntilReachable(l, timeoutMs, () => !isProcessAlive(pid));
    if (outcome === 'ready') return { url: l.url, started: false };
    if (outcome === 'timeout') {
      throw new Error(
        `PostgreSQL (pid ${pid}) is running but not accepting connections on port ${l.port}. ` +
          `Last lines of ${l.logFile}:\n${indent(await tailFile(l.logFile, 25))}`,
      );
    }
  }
  if (!(await probePostgresUrl(l.url, 1_000))) {
    // Something answers as passwordless `postgres` on our port without being our cluster:
    // another checkout's local server, most likely. Using it beats failing on the port clash.
    log(`a PostgreSQL server already answers on 127.0.0.1:${l.port} (not the cluster in ${l.dataDir}); reusing it`);
    return { url: l.url, started: false };
  }
  const binDir = await ensureBinDir(options.install !== false, log);
  if (!isInitialised(l)) await initialiseDataDir(binDir, l, log);
  // pg_ctl opens the server log as the server's user, in this folder.
  await ensureOwnedDir(l.baseDir);
  await startServer(binDir, l, timeoutMs, log);
  return { url: l.url, started: true };
}

export interface StopPostgresResult {
  /** True when a running server was stopped by this call. */
  stopped: boolean;
  pid?: number;
}

/**
 * Stops the local cluster. SIGINT is PostgreSQL's "fast" shutdown (disconnects clients, then a
 * clean checkpoint); SIGTERM would wait for every client to leave. SIGQUIT (immediate, recovered at
 * the next start) only if the fast shutdown hangs.
 */
export async function stopPostgres(options: PostgresOptions = {}): Promise<StopPostgresResult> {
  const l = await layout(options);
  const pid = await livePid(l);
  if (!pid) return { stopped: false };
  options.log?.(`stopping PostgreSQL (pid ${pid})…`);
  for (const [signal, waitMs] of [
    ['SIGINT', 60_000],
    ['SIGQUIT', 10_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      break; // gone already
    }
    if (await waitForExit(pid, waitMs)) return { stopped: true, pid };
  }
  if (!isProcessAlive(pid)) return { stopped: true, pid };
  throw new Error(`PostgreSQL (pid ${pid}) did not stop`);
}

export interface PostgresStatus {
  /** `env` when $RESYNC_PG_URL is set and reachable, else `local`. */
  source: 'env' | 'local';
  url: string;
  running: boolean;
  /** `SHOW server_version` when running. */
  version?: string;
  pid?: number;
  /** Local only: the folder of initdb/pg_ctl, if installed. */
  binDir?: string;
  /** Local only: whether the data dir has been initialised. */
  initialised?: boolean;
  dataDir?: string;
  /** Set when $RESYNC_PG_URL is set but does not answer (the local server is reported instead). */
  envUrlProblem?: string;
  /** Why it is not usable, when it is not. */
  problem?: string;
}

/** Read-only status for `setup --check`; never starts or installs anything. */
export async function postgresStatus(options: PostgresOptions = {}): Promise<PostgresStatus> {
  const envUrl = process.env.RESYNC_PG_URL?.trim();
  let envProblem: string | undefined;
  if (envUrl) {
    envProblem = await probePostgresUrl(envUrl);
    if (!envProblem) return { source: 'env', url: redactUrl(envUrl), running: true, version: await serverVersion(envUrl) };
  }
  const l = await layout(options);
  const pid = await livePid(l);
  const problem = await probePostgresUrl(l.url, 1_000);
  const binDir = await findPostgresBinDir();
  return {
    source: 'local',
    url: l.url,
    running: !problem,
    ...(problem ? {} : { version: await serverVersion(l.url) }),
    ...(pid ? { pid } : {}),
    ...(binDir ? { binDir } : {}),
    initialised: isInitialised(l),
    dataDir: l.dataDir,
    ...(envUrl && envProblem ? { envUrlProblem: `$RESYNC_PG_URL (${redactUrl(envUrl)}) is not reachable: ${envProblem}` } : {}),
    ...(problem ? { problem: binDir ? `not running (${problem})` : `PostgreSQL ${POSTGRES_MAJOR} is not installed` } : {}),
  };
}
