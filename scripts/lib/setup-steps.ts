// The steps of `npm run setup`, each able to report (check) and fix (ensure) one thing.
// A list of named steps so later additions (dashboard build, Chromium for e2e tests) slot
// in without touching the runner, and so `npm start` or a test harness can run a single
// step programmatically.
import { mkdir, stat } from 'node:fs/promises';
import { chromiumVersion, ensureChromium as ensureChromiumBinary, findChromium } from './chromium';
import { dashboardBuildStatus, ensureDashboardBuilt } from './dashboard-build';
import type { Log } from './log';
import { silentLog } from './log';
import type { EnsureMariaDbOptions, MariaDbInstance } from './mariadb';
import { ensureMariaDb as ensureLocalMariaDb, mariaDbStatus } from './mariadb';
import { paths } from './paths';
import type { EnsurePostgresOptions, PostgresInstance } from './postgres';
import { ensurePostgres as ensureLocalPostgres, postgresStatus } from './postgres';
import type { EnsureS3Options, S3Instance } from './s3';
import { ensureS3 as ensureLocalS3, s3Status } from './s3';
import type { EnsureSolrOptions, SolrInstance } from './solr';
import { ensureSolr as ensureLocalSolr, solrStatus } from './solr';
import type { TemporalCli } from './temporal-cli';
import { buildTemporalCli, findTemporalCli } from './temporal-cli';

export interface StepStatus {
  ok: boolean;
  /** One line: what is there (version, path, URL) or what is missing. */
  summary: string;
}

export interface SetupStep {
  name: string;
  /** Reports without changing anything (`setup --check`). */
  check(): Promise<StepStatus>;
  /** Makes the thing present; idempotent. Throws with an actionable message on failure. */
  ensure(log: Log): Promise<StepStatus>;
}

/** Finds the Temporal CLI, building the pinned version into .tools/bin when none qualifies. */
export async function ensureTemporalCli(log: Log = silentLog): Promise<TemporalCli> {
  return (await findTemporalCli({ log })) ?? (await buildTemporalCli(log));
}

/** Starts (or finds) the MariaDB the project uses; left running. */
export async function ensureMariaDb(options: EnsureMariaDbOptions = {}): Promise<MariaDbInstance> {
  return ensureLocalMariaDb(options);
}

const runtimeDirs = [paths.data, paths.logs];

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export const directoriesStep: SetupStep = {
  name: 'directories',
  async check() {
    const missing: string[] = [];
    for (const dir of runtimeDirs) if (!(await isDirectory(dir))) missing.push(dir);
    return missing.length === 0 ? { ok: true, summary: runtimeDirs.join(', ') } : { ok: false, summary: `missing ${missing.join(', ')}` };
  },
  async ensure() {
    for (const dir of runtimeDirs) await mkdir(dir, { recursive: true });
    return { ok: true, summary: runtimeDirs.join(', ') };
  },
};

export const temporalCliStep: SetupStep = {
  name: 'temporal-cli',
  async check() {
    const cli = await findTemporalCli();
    return cli
      ? { ok: true, summary: `temporal ${cli.version} at ${cli.path}` }
      : { ok: false, summary: 'not found ($TEMPORAL_CLI, .tools/bin/temporal, PATH); setup builds it with go' };
  },
  async ensure(log) {
    const cli = await ensureTemporalCli(log);
    return { ok: true, summary: `temporal ${cli.version} at ${cli.path}` };
  },
};

export const mariaDbStep: SetupStep = {
  name: 'mariadb',
  async check() {
    const status = await mariaDbStatus();
    if (status.running) {
      const where = status.source === 'env' ? ' (from $RESYNC_MYSQL_URL)' : status.pid ? ` (pid ${status.pid})` : '';
      return { ok: true, summary: `${status.url}${where}, ${status.version ?? 'unknown version'}` };
    }
    return { ok: false, summary: `${status.url}: ${status.problem ?? 'not running'}` };
  },
  async ensure(log) {
    const db = await ensureMariaDb({ log });
    return { ok: true, summary: `${db.url}${db.started ? ' (started)' : ''}` };
  },
};

/** A set but unreachable $RESYNC_PG_URL / $RESYNC_SOLR_URL must not pass unnoticed behind the local server's ✓. */
function envNote(status: { envUrlProblem?: string }): string {
  return status.envUrlProblem ? ` [${status.envUrlProblem}]` : '';
}

/** Starts (or finds) the PostgreSQL the project uses ($RESYNC_PG_URL or the local cluster); left running. */
export async function ensurePostgres(options: EnsurePostgresOptions = {}): Promise<PostgresInstance> {
  return ensureLocalPostgres(options);
}

export const postgresStep: SetupStep = {
  name: 'postgres',
  async check() {
    const status = await postgresStatus();
    if (status.running) {
      const where = status.source === 'env' ? ' (from $RESYNC_PG_URL)' : status.pid ? ` (pid ${status.pid})` : '';
      return { ok: true, summary: `${status.url}${where}, PostgreSQL ${status.version ?? 'unknown version'}${envNote(status)}` };
    }
    return { ok: false, summary: `${status.url}: ${status.problem ?? 'not running'}${envNote(status)}` };
  },
  async ensure(log) {
    const db = await ensurePostgres({ log });
    return { ok: true, summary: `${db.url}${db.started ? ' (started)' : ''}` };
  },
};

/** Starts (or finds) the Solr node the project uses ($RESYNC_SOLR_URL or the local node), fetching its jars once; left running. */
export async function ensureSolr(options: EnsureSolrOptions = {}): Promise<SolrInstance> {
  return ensureLocalSolr(options);
}

export const solrStep: SetupStep = {
  name: 'solr',
  async check() {
    const status = await solrStatus();
    if (status.running) {
      const where = status.source === 'env' ? ' (from $RESYNC_SOLR_URL)' : status.pid ? ` (pid ${status.pid})` : '';
      return {
        ok: true,
        summary: `${status.url}${where}, Solr ${status.version ?? 'unknown version'} (${status.mode ?? 'unknown mode'})${envNote(status)}`,
      };
    }
    return { ok: false, summary: `${status.url}: ${status.problem ?? 'not running'}${envNote(status)}` };
  },
  async ensure(log) {
    const node = await ensureSolr({ log });
    return { ok: true, summary: `${node.url}${node.started ? ' (started)' : ''}` };
  },
};

/** Starts (or finds) the S3-compatible server the media store's tests use ($RESYNC_S3_URL or local moto); left running. */
export async function ensureS3(options: EnsureS3Options = {}): Promise<S3Instance> {
  return ensureLocalS3(options);
}

export const s3Step: SetupStep = {
  name: 's3',
  async check() {
    const status = await s3Status();
    if (status.running) {
      const where = status.source === 'env' ? ' (from $RESYNC_S3_URL)' : status.pid ? ` (pid ${status.pid})` : '';
      const what = status.source === 'env' ? 'S3-compatible endpoint' : `moto ${status.version ?? 'unknown version'}`;
      return { ok: true, summary: `${status.url}${where}, ${what}${envNote(status)}` };
    }
    return { ok: false, summary: `${status.url}: ${status.problem ?? 'not running'}${envNote(status)}` };
  },
  async ensure(log) {
    const server = await ensureS3({ log });
    return { ok: true, summary: `${server.url}${server.started ? ' (started)' : ''}` };
  },
};

/** Builds the dashboard's web app when the build is missing or older than its sources. */
export async function ensureDashboardBuild(log: Log = silentLog): Promise<StepStatus> {
  return ensureDashboardBuilt(log);
}

export const dashboardStep: SetupStep = {
  name: 'dashboard',
  check: () => dashboardBuildStatus(),
  ensure: (log) => ensureDashboardBuild(log),
};

/** Finds Debian's Chromium (for the dashboard's browser tests), installing it when root. */
export async function ensureChromium(log: Log = silentLog): Promise<string> {
  return ensureChromiumBinary(log);
}

export const chromiumStep: SetupStep = {
  name: 'chromium',
  async check() {
    const path = await findChromium();
    if (!path)
      return { ok: false, summary: "not found (/usr/bin/chromium, PATH, $RESYNC_CHROMIUM); setup installs Debian's chromium when root" };
    return { ok: true, summary: `${(await chromiumVersion(path)) ?? 'chromium'} at ${path}` };
  },
  async ensure(log) {
    const path = await ensureChromium(log);
    return { ok: true, summary: `${(await chromiumVersion(path)) ?? 'chromium'} at ${path}` };
  },
};

/** In order: later steps may rely on earlier ones (directories first). */
export const setupSteps: SetupStep[] = [
  directoriesStep,
  temporalCliStep,
  mariaDbStep,
  postgresStep,
  solrStep,
  s3Step,
  dashboardStep,
  chromiumStep,
];

export interface RunSetupOptions {
  /** Only report; change nothing. */
  check?: boolean;
  /** Print only problems (and the slow actions taken to fix them). */
  quiet?: boolean;
  steps?: SetupStep[];
  /** Where output goes. Default console. */
  out?: Log;
}

/** Runs every step; resolves true when all are (now) present. Never throws. */
export async function runSetup(options: RunSetupOptions = {}): Promise<boolean> {
  const out = options.out ?? ((line: string) => console.log(line));
  let allOk = true;
  for (const step of options.steps ?? setupSteps) {
    const started = Date.now();
    let status: StepStatus;
    try {
      if (options.check) {
        status = await step.check();
      } else {
        // Cheap check first: a present step prints one line and touches nothing.
        const before = await step.check();
        status = before.ok ? before : await step.ensure((line) => out(`  [${step.name}] ${line}`));
      }
    } catch (error) {
      status = { ok: false, summary: (error as Error).message };
    }
    allOk &&= status.ok;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (!status.ok) out(`✗ ${step.name}: ${status.summary}`);
    else if (!options.quiet) out(`✓ ${step.name}: ${status.summary}${options.check ? '' : ` (${seconds}s)`}`);
  }
  return allOk;
}
