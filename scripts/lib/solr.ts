// The project-local Solr 9: a real Solr node (Jetty and the whole HTTP API) on 127.0.0.1, with its
// home under `.data/solr/home/`, started detached so it outlives `npm run setup` and serves the
// tests and a local `resync`. Solr's tarball is not reachable through a package manager, but its
// jars are on Maven Central: Maven copies them (once) into `.tools/solr/lib`, and Java 17 runs the
// launcher scripts/solr/SolrMain.java straight from source with those jars on the class path.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { aptInstall } from './apt';
import { withFileLock } from './lock';
import type { Log } from './log';
import { silentLog } from './log';
import { redactUrl } from './mariadb';
import { paths } from './paths';
import { indent, isProcessAlive, isRoot, livePidFrom, runCommand, tailFile, terminate, waitUntilOursAnswers, which } from './proc';
import { portFromEnv } from './net';

export const DEFAULT_SOLR_PORT = 8993;
/** The launcher, Solr home template and per-core configset, all kept in the repository. */
export const solrRecipeDir = join(paths.root, 'scripts', 'solr');
/** The configset every core starts from (each core gets its own copy: see solr-cores.ts). */
export const solrConfigSetDir = join(solrRecipeDir, 'configset');
const pomFile = join(solrRecipeDir, 'pom.xml');
const launcherFile = join(solrRecipeDir, 'SolrMain.java');
/** Modest heap: CI has 2 cores and the tests index hundreds of documents, not millions. */
const JVM_HEAP = '-Xmx512m';
/** Java 17 runs a single source file directly and is the newest Solr 9's floor. */
const JAVA_MAJOR = 17;
const JDK_PACKAGE = `openjdk-${JAVA_MAJOR}-jdk-headless`;

export interface SolrOptions {
  /** TCP port on 127.0.0.1. Default: $RESYNC_SOLR_PORT, else 8993. */
  port?: number;
  /** Folder holding home/, the pid file and the log. Default: `.data/solr`. */
  baseDir?: string;
  /** Where Maven copies the jars. Default: `.tools/solr/lib`. */
  libDir?: string;
  log?: Log;
}

export interface EnsureSolrOptions extends SolrOptions {
  /** Install Debian's JDK / Maven with apt-get when missing (root only). Default true. */
  install?: boolean;
  /** How long to wait for a started node to answer. Default 120 s (about 4 s idle, 10 s on a loaded CI). */
  startTimeoutMs?: number;
  /** Consult $RESYNC_SOLR_URL first. Default true. */
  useEnvUrl?: boolean;
}

export interface SolrInstance {
  /** Base URL of the node, e.g. `http://127.0.0.1:8993/solr` (cores at `<url>/<core>`). */
  url: string;
  /** True when this call started the node (false: reused a running one or $RESYNC_SOLR_URL). */
  started: boolean;
}

interface Layout {
  port: number;
  baseDir: string;
  home: string;
  pidFile: string;
  logFile: string;
  libDir: string;
  /** Records which pom.xml the jars in libDir were fetched for. */
  libStamp: string;
  url: string;
}

function resolvePort(port: number | undefined): number {
  return portFromEnv(port, 'RESYNC_SOLR_PORT', DEFAULT_SOLR_PORT);
}

function layout(options: SolrOptions): Layout {
  const port = resolvePort(options.port);
  const baseDir = resolve(options.baseDir ?? join(paths.data, 'solr'));
  const libDir = resolve(options.libDir ?? join(paths.tools, 'solr', 'lib'));
  return {
    port,
    baseDir,
    home: join(baseDir, 'home'),
    pidFile: join(baseDir, 'solr.pid'),
    logFile: join(baseDir, 'solr.log'),
    libDir,
    libStamp: `${libDir}.pom-sha256`,
    url: `http://127.0.0.1:${port}/solr`,
  };
}

/** A Solr base URL without trailing slashes, so `${url}/admin/…` is always well formed. */
export function normaliseSolrUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

export interface SolrNodeInfo {
  /** `std` (standalone) or `solrcloud`. */
  mode: string;
  /** The node's Solr home as the node sees it. */
  solrHome: string;
  version: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** GET `<url>/admin/info/system`: answers on standalone and SolrCloud nodes alike. Throws when unreachable or not Solr. */
export async function solrNodeInfo(url: string, timeoutMs = 3_000): Promise<SolrNodeInfo> {
  let response: Response;
  try {
    response = await fetch(`${normaliseSolrUrl(url)}/admin/info/system?wt=json`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout) is in its cause.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${redactUrl(url)}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${redactUrl(url)}/admin/info/system`);
  const body: unknown = await response.json().catch(() => undefined);
  const lucene = isRecord(body) && isRecord(body.lucene) ? body.lucene : undefined;
  if (!isRecord(body) || typeof body.solr_home !== 'string' || !lucene) {
    throw new Error(`${redactUrl(url)} answered /admin/info/system without solr_home: not a Solr node's base URL (…/solr)?`);
  }
  return {
    mode: typeof body.mode === 'string' ? body.mode : 'unknown',
    solrHome: body.solr_home.replace(/\/+$/, ''),
    version: typeof lucene['solr-spec-version'] === 'string' ? lucene['solr-spec-version'] : 'unknown',
  };
}

/** Resolves the error message, or undefined when `url` is a Solr node's base URL that answers. */
export async function probeSolrUrl(url: string, timeoutMs = 3_000): Promise<string | undefined> {
  try {
    await solrNodeInfo(url, timeoutMs);
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

/** The `<solr.version>` pinned in scripts/solr/pom.xml (the one source of that number). */
export async function pinnedSolrVersion(): Promise<string> {
  const pom = await readFile(pomFile, 'utf8');
  return /<solr\.version>([^<]+)<\/solr\.version>/.exec(pom)?.[1] ?? 'unknown';
}

async function pomHash(): Promise<string> {
  return createHash('sha256')
    .update(await readFile(pomFile))
    .digest('hex');
}

/** True when libDir holds the jars of the current pom.xml. */
async function jarsPresent(l: Layout): Promise<boolean> {
  const stamp = await readFile(l.libStamp, 'utf8').catch(() => '');
  if (stamp.trim() !== (await pomHash())) return false;
  const files = await readdir(l.libDir).catch(() => [] as string[]);
  return files.some((file) => file.startsWith('solr-core-') && file.endsWith('.jar'));
}

async function javaMajor(java: string): Promise<number | undefined> {
  // `java -version` prints to stderr: openjdk version "17.0.15" 2025-04-15
  const result = await runCommand(java, ['-version'], { timeoutMs: 20_000 }).catch(() => undefined);
  const match = /version "(\d+)/.exec(`${result?.stderr ?? ''}${result?.stdout ?? ''}`);
  return match ? Number(match[1]) : undefined;
}

/** `java` on PATH, when it is a JDK (single-file source launch needs the compiler) of Java 17 or newer. */
async function findJava(): Promise<{ java?: string; problem?: string }> {
  const java = await which('java');
  if (!java) return { problem: 'java not found on PATH' };
  const major = await javaMajor(java);
  if (major === undefined || major < JAVA_MAJOR)
    return { problem: `${java} is Java ${major ?? '?'}; Solr 9 here needs Java ${JAVA_MAJOR}+` };
  if (!(await which('javac'))) return { problem: `${java} is a runtime without the compiler (javac) that source launch needs` };
  return { java };
}

async function ensureJava(install: boolean, log: Log): Promise<string> {
  const found = await findJava();
  if (found.java) return found.java;
  const hint = `Install a JDK ${JAVA_MAJOR}+ yourself (Debian/Ubuntu: \`sudo apt-get install ${JDK_PACKAGE}\`) or point $RESYNC_SOLR_URL at a Solr server.`;
  if (!install || !isRoot() || !(await which('apt-get'))) throw new Error(`${found.problem ?? 'no JDK'}. ${hint}`);
  log(`${found.problem ?? 'no JDK'}; installing ${JDK_PACKAGE} with apt-get…`);
  await aptInstall(JDK_PACKAGE, log);
  const installed = await findJava();
  if (!installed.java) throw new Error(`apt-get installed ${JDK_PACKAGE} but: ${installed.problem ?? 'still no JDK'}. ${hint}`);
  return installed.java;
}

async function ensureMaven(install: boolean, log: Log): Promise<string> {
  const found = await which('mvn');
  if (found) return found;
  const hint = 'Install Maven yourself (Debian/Ubuntu: `sudo apt-get install maven`) or point $RESYNC_SOLR_URL at a Solr server.';
  if (!install || !isRoot() || !(await which('apt-get'))) throw new Error(`mvn (Maven, which fetches Solr's jars) not found. ${hint}`);
  log("mvn not found; installing Debian's maven with apt-get…");
  await aptInstall('maven', log);
  const installed = await which('mvn');
  if (!installed) throw new Error(`apt-get installed maven but mvn is still not found. ${hint}`);
  return installed;
}

/**
 * Copies Solr's runtime jars from Maven Central into libDir, through a scratch folder renamed into
 * place so an interrupted download never looks complete. About 84 MB; Maven caches them in ~/.m2.
 */
async function fetchJars(l: Layout, install: boolean, log: Log): Promise<void> {
  const mvn = await ensureMaven(install, log);
  const scratch = `${l.libDir}.fetch`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(paths.logs, { recursive: true });
  const logFile = join(paths.logs, 'maven-solr.log');
  const started = Date.now();
  log(`fetching Solr ${await pinnedSolrVersion()} jars from Maven Central into ${l.libDir} (output in ${logFile})…`);
  const handle = await open(logFile, 'a');
  try {
    const result = await runCommand(
      mvn,
      ['-B', '-q', '-f', pomFile, 'dependency:copy-dependencies', `-DoutputDirectory=${scratch}`, '-DincludeScope=runtime'],
      { cwd: solrRecipeDir, timeoutMs: 15 * 60_000, onLine: (line) => void handle.write(line + '\n') },
    );
    if (result.code !== 0) {
      await rm(scratch, { recursive: true, force: true });
      throw new Error(
        `mvn dependency:copy-dependencies failed (exit ${result.code}); last lines of ${logFile}:\n` + indent(await tailFile(logFile, 20)),
      );
    }
  } finally {
    await handle.close();
  }
  await rm(l.libDir, { recursive: true, force: true });
  await mkdir(resolve(l.libDir, '..'), { recursive: true });
  await rename(scratch, l.libDir);
  await writeFile(l.libStamp, `${await pomHash()}\n`);
  log(`  fetched in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Makes the jars of the pinned Solr present in `.tools/solr/lib` (fetching them when missing or outdated). */
export async function ensureSolrJars(options: EnsureSolrOptions = {}): Promise<string> {
  const l = layout(options);
  const log = options.log ?? silentLog;
  await mkdir(resolve(l.libDir, '..'), { recursive: true });
  return withFileLock(`${l.libDir}.lock`, 20 * 60_000, async () => {
    if (!(await jarsPresent(l))) await fetchJars(l, options.install !== false, log);
    return l.libDir;
  });
}

/** The pid from our pid file, if that process is alive and is still our launcher on our home. */
async function livePid(l: Layout): Promise<number | undefined> {
  return livePidFrom(l.pidFile, (argv) => argv.includes(launcherFile) && argv.includes(l.home));
}

async function waitUntilReady(l: Layout, timeoutMs: number, exited: () => boolean): Promise<'ready' | 'exited' | 'timeout'> {
  // Ready means *our* node answers (its home is ours), not another server on the port.
  return waitUntilOursAnswers(
    async () => {
      const info = await solrNodeInfo(l.url, 1_000).catch(() => undefined);
      return info?.solrHome === l.home;
    },
    exited,
    timeoutMs,
    250,
  );
}

/** The Solr home: our solr.xml (refreshed each start, it is ours) and whatever cores were created. */
async function prepareHome(l: Layout): Promise<void> {
  await mkdir(l.home, { recursive: true });
  await copyFile(join(solrRecipeDir, 'solr.xml'), join(l.home, 'solr.xml'));
}

async function startNode(java: string, l: Layout, timeoutMs: number, log: Log): Promise<number> {
  await prepareHome(l);
  const args = [
    JVM_HEAP,
    // A JVM out of memory is wedged, not degraded: exit so the next setup starts a fresh one.
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j.configurationFile=${join(solrRecipeDir, 'log4j2.xml')}`,
    `-Dsolr.log.dir=${l.baseDir}`,
    // Java expands the `dir/*` class-path wildcard itself (no shell involved).
    '-cp',
    join(l.libDir, '*'),
    launcherFile,
    l.home,
    String(l.port),
  ];
  const out = await open(l.logFile, 'a');
  const started = Date.now();
  log(`starting Solr on 127.0.0.1:${l.port} (home ${l.home})…`);
  let exitCode: number | null | undefined;
  let child;
  try {
    // Detached + unref: its own process group, not killed when setup exits or on Ctrl-C.
    child = spawn(java, args, { cwd: l.baseDir, detached: true, stdio: ['ignore', out.fd, out.fd] });
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
    log(`  Solr ready in ${Date.now() - started} ms (pid ${child.pid})`);
    return child.pid ?? 0;
  }
  if (outcome === 'timeout' && child.pid) await terminate(child.pid, 10_000);
  await rm(l.pidFile, { force: true });
  const why = outcome === 'exited' ? `the JVM exited (code ${exitCode})` : `not answering after ${timeoutMs} ms`;
  throw new Error(`Solr on port ${l.port}: ${why}. Last lines of ${l.logFile}:\n${indent(await tailFile(l.logFile, 25))}`);
}

/**
 * Makes a Solr node available and returns its base URL:
 * 1. $RESYNC_SOLR_URL, when set and answering as Solr;
 * 2. the project-local node, when already running;
 * 3. otherwise fetches the jars (Maven, once), then starts the local node, detached.
 */
export async function ensureSolr(options: EnsureSolrOptions = {}): Promise<SolrInstance> {
  const log = options.log ?? silentLog;
  const envUrl = process.env.RESYNC_SOLR_URL?.trim();
  if (envUrl && options.useEnvUrl !== false) {
    const problem = await probeSolrUrl(envUrl);
    if (!problem) return { url: normaliseSolrUrl(envUrl), started: false };
    log(`RESYNC_SOLR_URL (${redactUrl(envUrl)}) is not reachable (${problem}); using the project-local Solr instead`);
  }
  const l = layout(options);
  await mkdir(l.baseDir, { recursive: true });
  // Serialise check-then-start across processes (parallel test runs, two terminals).
  return withFileLock(join(l.baseDir, 'start.lock'), 20 * 60_000, () => ensureLocalNode(l, options, log));
}

async function ensureLocalNode(l: Layout, options: EnsureSolrOptions, log: Log): Promise<SolrInstance> {
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const pid = await livePid(l);
  if (pid) {
    const outcome = await waitUntilReady(l, timeoutMs, () => !isProcessAlive(pid));
    if (outcome === 'ready') return { url: l.url, started: false };
    if (outcome === 'timeout') {
      throw new Error(
        `Solr (pid ${pid}) is running but not answering on port ${l.port}. Last lines of ${l.logFile}:\n${indent(await tailFile(l.logFile, 25))}`,
      );
    }
  }
  const other = await solrNodeInfo(l.url, 1_000).catch(() => undefined);
  if (other) {
    // Another checkout's local node, most likely. Using it beats failing on the port clash; its
    // cores live in its own home, which solr-cores.ts asks the node for.
    log(`a Solr node (home ${other.solrHome}) already answers on 127.0.0.1:${l.port}; reusing it`);
    return { url: l.url, started: false };
  }
  const java = await ensureJava(options.install !== false, log);
  await ensureSolrJars({ ...options, log });
  await rm(l.pidFile, { force: true });
  await startNode(java, l, timeoutMs, log);
  return { url: l.url, started: true };
}

export interface StopSolrResult {
  /** True when a running node was stopped by this call. */
  stopped: boolean;
  pid?: number;
}

/** Stops the local node named by the pid file (the launcher's shutdown hook closes the cores; SIGKILL after 30 s). */
export async function stopSolr(options: SolrOptions = {}): Promise<StopSolrResult> {
  const l = layout(options);
  const pid = await livePid(l);
  if (!pid) return { stopped: false };
  options.log?.(`stopping Solr (pid ${pid})…`);
  if (!(await terminate(pid, 30_000))) throw new Error(`Solr (pid ${pid}) did not stop`);
  await rm(l.pidFile, { force: true });
  return { stopped: true, pid };
}

export interface SolrStatus {
  /** `env` when $RESYNC_SOLR_URL is set and answering, else `local`. */
  source: 'env' | 'local';
  url: string;
  running: boolean;
  version?: string;
  mode?: string;
  pid?: number;
  /** Local only: whether Maven has fetched the jars of the pinned version. */
  jars?: boolean;
  /** Set when $RESYNC_SOLR_URL is set but does not answer (the local node is reported instead). */
  envUrlProblem?: string;
  /** Why it is not usable, when it is not. */
  problem?: string;
}

/** Read-only status for `setup --check`; never fetches or starts anything. */
export async function solrStatus(options: SolrOptions = {}): Promise<SolrStatus> {
  const envUrl = process.env.RESYNC_SOLR_URL?.trim();
  let envUrlProblem: string | undefined;
  if (envUrl) {
    try {
      const node = await solrNodeInfo(envUrl);
      return { source: 'env', url: redactUrl(normaliseSolrUrl(envUrl)), running: true, version: node.version, mode: node.mode };
    } catch (error) {
      envUrlProblem = `$RESYNC_SOLR_URL (${redactUrl(envUrl)}) is not reachable: ${(error as Error).message}`;
    }
  }
  const l = layout(options);
  const pid = await livePid(l);
  const jars = await jarsPresent(l);
  let info: SolrNodeInfo | undefined;
  let problem: string | undefined;
  try {
    info = await solrNodeInfo(l.url, 1_000);
  } catch (error) {
    problem = (error as Error).message;
  }
  return {
    source: 'local',
    url: l.url,
    running: info !== undefined,
    ...(info ? { version: info.version, mode: info.mode } : {}),
    ...(pid ? { pid } : {}),
    jars,
    ...(envUrlProblem ? { envUrlProblem } : {}),
    ...(info
      ? {}
      : {
          problem: jars ? `not running (${problem ?? 'no answer'})` : `not running; Solr ${await pinnedSolrVersion()} jars not fetched yet`,
        }),
  };
}
