// Small process and file helpers shared by the launchers. Kept dependency-free so the
// setup script can run before anything but node_modules exists.
import { spawn } from 'node:child_process';
import { constants as fsConstants, readFileSync } from 'node:fs';
import { access, open, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunCommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Called with each complete line of stdout/stderr as it arrives (for progress output). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/**
 * Runs a command to completion and captures its output. Never throws for a non-zero exit
 * (callers decide what a failure means); rejects only when the command cannot be spawned.
 */
export function runCommand(command: string, args: readonly string[], options: RunCommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    });
    const out: Record<'stdout' | 'stderr', string[]> = { stdout: [], stderr: [] };
    const partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      out[stream].push(text);
      if (!options.onLine) return;
      const lines = (partial[stream] + text).split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) options.onLine(line, stream);
    };
    child.stdout.on('data', collect('stdout'));
    child.stderr.on('data', collect('stderr'));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (options.onLine) {
        for (const stream of ['stdout', 'stderr'] as const) {
          if (partial[stream]) options.onLine(partial[stream], stream);
        }
      }
      resolvePromise({ code, signal, stdout: out.stdout.join(''), stderr: out.stderr.join('') });
    });
  });
}

/** True when `path` exists and is executable by this process. */
export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds an executable by name on $PATH, then in `extraDirs`. The extra dirs matter because
 * system daemons (mariadbd) live in /usr/sbin, which is not on a normal user's PATH, and
 * Go's default install (/usr/local/go/bin) is not always on CI's PATH.
 */
export async function which(name: string, extraDirs: readonly string[] = []): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * True when a process with this pid exists (signal 0 probes without delivering anything).
 * A zombie (exited, not yet reaped by its parent) counts as dead: it holds no port or file.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM means it exists but belongs to someone else: still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; comm may contain spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): the signal probe is all we have
  }
}

/** Polls until the process is gone; returns false on timeout. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/**
 * Sends SIGTERM, waits up to `graceMs`, then SIGKILL. Returns true when the process is
 * gone at the end. Used for servers we started ourselves (never for arbitrary pids).
 */
export async function terminate(pid: number, graceMs: number): Promise<boolean> {
  if (!isProcessAlive(pid)) return true;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return !isProcessAlive(pid);
  }
  if (await waitForExit(pid, graceMs)) return true;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone between the check and the kill.
  }
  return waitForExit(pid, 5_000);
}

/** Reads a pid file; undefined when it is absent or does not hold a positive integer. */
export async function readPidFile(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The last `maxLines` lines of a (log) file, for error messages. Reads at most the last
 * 64 KiB so a huge log cannot blow up memory.
 */
export async function tailFile(path: string, maxLines = 20): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return `(no log at ${path})`;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-maxLines).join('\n');
  } finally {
    await handle.close();
  }
}

/** Indents a multi-line text for embedding in an error message. */
export function indent(text: string, prefix = '  | '): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

/**
 * The argv of a running process, from /proc (Linux); undefined where /proc is unavailable
 * or the process is gone. Lets pid-file users make sure a pid still belongs to the server
 * they started, not to an unrelated process that reused the number after a reboot.
 */
export async function processArgv(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/**
 * True when `pid` is alive and (where /proc can tell) its argv satisfies `matches`.
 * Without /proc (macOS) liveness alone is the best available answer.
 */
export async function isLiveProcessMatching(pid: number, matches: (argv: string[]) => boolean): Promise<boolean> {
  if (!isProcessAlive(pid)) return false;
  const argv = await processArgv(pid);
  // On Linux a missing /proc entry means the process just went away.
  if (argv === undefined) return process.platform !== 'linux';
  return matches(argv);
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** The pid in `pidFile` when that process is alive and is ours by its command line. */
export async function livePidFrom(pidFile: string, isOurs: (argv: string[]) => boolean): Promise<number | undefined> {
  const pid = await readPidFile(pidFile);
  if (!pid) return undefined;
  return (await isLiveProcessMatching(pid, isOurs)) ? pid : undefined;
}

/**
 * Polls until a server we started answers as ours (`answersAsOurs`), its process has exited,
 * or time runs out. "Ours" matters: another server that took the port meanwhile must not be
 * mistaken for the one we started (which then exits on the port clash).
 */
export async function waitUntilOursAnswers(
  answersAsOurs: () => Promise<boolean>,
  exited: () => boolean,
  timeoutMs: number,
  intervalMs = 200,
): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answersAsOurs()) return 'ready';
    if (exited()) return 'exited';
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return 'timeout';
}
