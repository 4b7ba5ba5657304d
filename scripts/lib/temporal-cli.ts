// Locating (or building) the `temporal` CLI, which embeds the dev server we run locally.
// The project pins a version because flags of `server start-dev` and the embedded server's
// behaviour (search attributes on SQLite, update APIs) changed across releases.
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Log } from './log';
import { paths } from './paths';
import { isExecutable, runCommand, which } from './proc';

/** The version `buildTemporalCli` installs. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
/** The oldest version accepted when found on the machine. */
export const MIN_TEMPORAL_CLI_VERSION = '1.5.0';

export interface TemporalCli {
  path: string;
  version: string;
}

/** Where `buildTemporalCli` puts the binary. */
export const localTemporalCliPath = join(paths.toolsBin, 'temporal');

/**
 * Extracts the CLI version from `temporal --version`, whose output looks like
 * `temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)`. A build made without the
 * version ldflag reports `0.0.0-DEV`, which is returned as is (and later rejected).
 */
export function parseTemporalVersion(output: string): string | undefined {
  return /temporal version (\S+)/.exec(output)?.[1];
}

/** Compares dotted release versions numerically; pre-release/dev versions never qualify. */
export function isVersionAtLeast(version: string, minimum: string): boolean {
  const parse = (v: string) => (/^\d+(\.\d+)*$/.test(v) ? v.split('.').map(Number) : undefined);
  const have = parse(version);
  const need = parse(minimum);
  if (!have || !need) return false;
  for (let i = 0; i < Math.max(have.length, need.length); i++) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

export type TemporalCliProbe = { ok: true; cli: TemporalCli } | { ok: false; path: string; reason: string };

/** Runs `<path> --version` and judges the result against MIN_TEMPORAL_CLI_VERSION. */
export async function probeTemporalCli(path: string): Promise<TemporalCliProbe> {
  if (!(await isExecutable(path))) return { ok: false, path, reason: 'not an executable file' };
  let result;
  try {
    result = await runCommand(path, ['--version'], { timeoutMs: 15_000 });
  } catch (error) {
    return { ok: false, path, reason: `cannot run it: ${(error as Error).message}` };
  }
  const version = parseTemporalVersion(result.stdout + result.stderr);
  if (result.code !== 0 || !version) {
    return { ok: false, path, reason: `\`--version\` did not report a version (exit ${result.code})` };
  }
  if (!isVersionAtLeast(version, MIN_TEMPORAL_CLI_VERSION)) {
    return { ok: false, path, reason: `version ${version} is older than ${MIN_TEMPORAL_CLI_VERSION}` };
  }
  return { ok: true, cli: { path, version } };
}

export interface FindTemporalCliOptions {
  /** Told about candidates that exist but are rejected (too old, broken). */
  log?: Log;
}

/**
 * Finds a usable CLI: `$TEMPORAL_CLI`, then `.tools/bin/temporal`, then `temporal` on
 * PATH. The first candidate that reports a recent enough version wins.
 */
export async function findTemporalCli(options: FindTemporalCliOptions = {}): Promise<TemporalCli | undefined> {
  const candidates: { path: string; origin: string }[] = [];
  const fromEnv = process.env.TEMPORAL_CLI?.trim();
  if (fromEnv) candidates.push({ path: fromEnv, origin: '$TEMPORAL_CLI' });
  candidates.push({ path: localTemporalCliPath, origin: '.tools/bin' });
  const onPath = await which('temporal');
  if (onPath) candidates.push({ path: onPath, origin: 'PATH' });

  for (const { path, origin } of candidates) {
    // The local build is normally just absent; don't report that as a problem.
    if (origin === '.tools/bin' && !(await isExecutable(path))) continue;
    const probe = await probeTemporalCli(path);
    if (probe.ok) return probe.cli;
    options.log?.(`ignoring Temporal CLI at ${path} (from ${origin}): ${probe.reason}`);
  }
  return undefined;
}

/** Thrown when the CLI cannot be built here; its message lists the other ways to get one. */
export class TemporalCliUnavailableError extends Error {
  override name = 'TemporalCliUnavailableError';
}

const alternatives = [
  'Other ways to get the Temporal CLI (>= ' + MIN_TEMPORAL_CLI_VERSION + '):',
  '  - Homebrew: brew install temporal',
  '  - download a release from the official Temporal CLI download page (docs.temporal.io/cli)',
  '  - point $TEMPORAL_CLI at an existing `temporal` binary',
].join('\n');

/**
 * Builds the pinned CLI from source with `go install` into `.tools/bin`. Building rather
 * than downloading a release archive is deliberate: only package registries (here the Go
 * module proxy) are reachable from CI. Takes a few minutes with a cold module cache.
 */
export async function buildTemporalCli(log: Log): Promise<TemporalCli> {
  const go = await which('go', ['/usr/local/go/bin', '/usr/lib/go/bin', join(process.env.HOME ?? '/root', 'go', 'bin')]);
  if (!go) {
    throw new TemporalCliUnavailableError(`Cannot build the Temporal CLI: the \`go\` toolchain is not installed.\n${alternatives}`);
  }
  await mkdir(paths.toolsBin, { recursive: true });
  const pkg = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;
  // Without this ldflag the binary reports 0.0.0-DEV and would fail our own version check.
  const ldflags = `-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`;
  log(`building Temporal CLI ${TEMPORAL_CLI_VERSION} with ${go} (a few minutes on a cold Go module cache)…`);

  const started = Date.now();
  const ticker = setInterval(() => {
    log(`  still building the Temporal CLI… ${Math.round((Date.now() - started) / 1000)}s`);
  }, 30_000);
  let result;
  try {
    result = await runCommand(go, ['install', '-ldflags', ldflags, pkg], {
      cwd: paths.root,
      env: { ...process.env, GOBIN: paths.toolsBin },
      // `go: downloading …` lines show that a slow build is making progress.
      onLine: (line) => {
        if (line.trim()) log(`  go: ${line.replace(/^go: /, '')}`);
      },
    });
  } finally {
    clearInterval(ticker);
  }
  if (result.code !== 0) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n');
    throw new TemporalCliUnavailableError(`\`go install ${pkg}\` failed (exit ${result.code}):\n${tail}\n${alternatives}`);
  }
  const probe = await probeTemporalCli(localTemporalCliPath);
  if (!probe.ok) {
    throw new TemporalCliUnavailableError(`built ${localTemporalCliPath} but it is unusable: ${probe.reason}`);
  }
  log(`built Temporal CLI ${probe.cli.version} in ${Math.round((Date.now() - started) / 1000)}s → ${probe.cli.path}`);
  return probe.cli;
}
