/**
 * Runs the `resync` CLI as a child process, the way an operator does: from the sources through tsx
 * (what `npm run resync` runs) or from the build in dist/ on plain Node. A finite command must end by
 * itself: runCli kills it only after a generous limit and says so, so a test can tell "exited" from
 * "was killed" without asserting anything about time.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { fromRoot } from '../../scripts/lib/paths';

/** How to start the CLI: the program and the arguments before the command's own. */
export interface CliRunner {
  name: string;
  command: string;
  args: string[];
}

/** The sources through tsx's loader, resolved from the checkout so it works from any folder. */
export const tsxRunner: CliRunner = {
  name: 'tsx',
  command: process.execPath,
  args: ['--import', pathToFileURL(createRequire(fromRoot('package.json')).resolve('tsx')).href, fromRoot('worker', 'cli.ts')],
};

/** The production build (build it first, see scripts/build.ts). */
export const distRunner: CliRunner = { name: 'dist', command: process.execPath, args: [fromRoot('dist', 'resync.mjs')] };

export interface CliResult {
  /** Exit code; null when the process was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when runCli had to kill it: the command did not end by itself. */
  killed: boolean;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** When to give up and kill it (default 120 s): a bound for a hung command, not an expectation. */
  limitMs?: number;
}

export function runCli(runner: CliRunner, args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(runner.command, [...runner.args, ...args], {
      cwd: opts.cwd ?? fromRoot(),
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const limit = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, opts.limitMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(limit);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, killed, stdout, stderr });
    });
  });
}

/** A long-running command (worker, dashboard, simulator, temporal): started, then stopped by the test. */
export interface RunningCli {
  /** Everything printed so far, stdout and stderr together. */
  output(): string;
  /** Resolves once `pattern` has been printed; rejects when the process ends first. */
  waitFor(pattern: RegExp, limitMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM (as a service manager would), then SIGKILL after `graceMs`; resolves with how it ended. */
  stop(graceMs?: number): Promise<CliResult>;
}

export function startCli(runner: CliRunner, args: string[], opts: CliOptions = {}): RunningCli {
  const child = spawn(runner.command, [...runner.args, ...args], {
    cwd: opts.cwd ?? fromRoot(),
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
    notify();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    output += chunk.toString();
    notify();
  });
  let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const closed = new Promise<void>((resolve) =>
    child.on('close', (code, signal) => {
      ended = { code, signal };
      notify();
      resolve();
    }),
  );
  let killed = false;
  return {
    output: () => output,
    waitFor(pattern, limitMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) return done(() => resolve(match));
          if (ended)
            return done(() => reject(new Error(`exited (${ended?.code ?? ended?.signal}) before printing ${pattern}:\n${output}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} in time:\n${output}`))), limitMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(graceMs = 30_000) {
      if (!ended) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          killed = true;
          child.kill('SIGKILL');
        }, graceMs);
        await closed;
        clearTimeout(timer);
      }
      return { code: ended?.code ?? null, signal: ended?.signal ?? null, killed, stdout, stderr };
    },
  };
}
