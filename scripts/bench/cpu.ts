/**
 * CPU time from /proc, so a benchmark can say where a run's cores went: the worker's process (and
 * each of its threads, by name), the MariaDB server's, and the machine's. On a machine where resync
 * and MariaDB share two cores, records/s is bounded by their CPU per record together, not by
 * either alone (docs/benchmarks.md, "Where the cores go").
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux resync runs on). */
const TICKS_PER_SECOND = (() => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

/** The name and user + system CPU seconds in the text of a `stat` file of /proc; undefined when it is not one. */
export function parseStat(text: string): { name: string; seconds: number } | undefined {
  // The name is in parentheses and may itself hold spaces or parentheses: fields follow the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // Fields 14 and 15 of stat(5), utime and stime, are the 12th and 13th after the name.
  const fields = text.slice(close + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (fields.length < 13 || !Number.isFinite(ticks)) return undefined;
  return { name: text.slice(open + 1, close), seconds: ticks / TICKS_PER_SECOND };
}

/** parseStat of a file; undefined once the process or thread is gone. */
function readStat(file: string): { name: string; seconds: number } | undefined {
  try {
    return parseStat(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** CPU seconds a process has used so far (its exited threads included); undefined when it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  return readStat(`/proc/${pid}/stat`)?.seconds;
}

/**
 * CPU seconds of each of a process's live threads, by thread id, with its name; the main thread (the
 * one whose id is the process's) named `main thread`, as node names every thread `node`.
 */
export function threadCpuSeconds(pid: number): Map<string, { name: string; seconds: number }> {
  const threads = new Map<string, { name: string; seconds: number }>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    const stat = readStat(`/proc/${pid}/task/${tid}/stat`);
    if (stat) threads.set(tid, { name: tid === String(pid) ? 'main thread' : stat.name, seconds: stat.seconds });
  }
  return threads;
}

/** Busy and total CPU seconds of the whole machine so far, all cores (the `cpu` line of /proc/stat). */
export function machineCpuSeconds(): { busy: number; total: number } | undefined {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  } catch {
    return undefined;
  }
  const ticks = (line ?? '').split(/\s+/).slice(1).map(Number);
  if (!line?.startsWith('cpu ') || ticks.length < 4 || ticks.some((t) => !Number.isFinite(t))) return undefined;
  // user nice system idle iowait irq softirq steal …: idle and iowait are the idle ones.
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = ticks[3]! + (ticks[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

/**
 * What a stretch of a run cost in CPU: call it before the stretch, and the function it returns after;
 * `workerSeconds` and `mariadbSeconds` are undefined when that process's pid was not known or it
 * ended in between. `threads` is the worker's, by name, for the threads alive at the end (what a
 * thread did before it ended counts in `workerSeconds` only).
 */
export function cpuMeter(pids: { worker?: number | undefined; mariadb?: number | undefined }) {
  const read = () => ({
    worker: pids.worker === undefined ? undefined : processCpuSeconds(pids.worker),
    threads: pids.worker === undefined ? new Map<string, { name: string; seconds: number }>() : threadCpuSeconds(pids.worker),
    mariadb: pids.mariadb === undefined ? undefined : processCpuSeconds(pids.mariadb),
    machine: machineCpuSeconds(),
  });
  const before = read();
  return () => {
    const after = read();
    const delta = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : b - a);
    const threads = new Map<string, number>();
    for (const [tid, { name, seconds }] of after.threads) {
      threads.set(name, (threads.get(name) ?? 0) + seconds - (before.threads.get(tid)?.seconds ?? 0));
    }
    const busy = delta(before.machine?.busy, after.machine?.busy);
    const total = delta(before.machine?.total, after.machine?.total);
    return {
      workerSeconds: delta(before.worker, after.worker),
      mariadbSeconds: delta(before.mariadb, after.mariadb),
      threads,
      /** Share of all cores busy (any process) over the stretch. */
      // (At most 1: the seconds are tick counts divided, which can round a hair past it.)
      machineBusy: busy !== undefined && total ? Math.min(1, busy / total) : undefined,
    };
  };
}

export type CpuUse = ReturnType<ReturnType<typeof cpuMeter>>;

/**
 * Thread names as node and its libraries set them, said plainly. Node names its own threads `node`
 * (the JSON thread, the workflow thread, V8's helpers for collection and compiling) and libuv's
 * pool `libuv-worker`; Temporal's core is Rust, on tokio's threads.
 */
function threadGroup(name: string): string {
  if (name === 'node') return 'other node threads';
  if (name.startsWith('libuv-worker')) return 'libuv pool';
  if (/^tokio|^temporal/i.test(name)) return 'Temporal core';
  return name;
}

/**
 * The end-to-end run's CPU: per page for the worker and MariaDB, the worker's by thread, how busy
 * the machine's cores were, and the rate the two processes' CPU per record would allow if they
 * kept every core busy (the bound a machine this size puts on any ratio to a ceiling measured
 * with the cores to the server alone).
 */
export function cpuFigures(use: CpuUse, pages: number, records: number): { line: string; fields: string } {
  const perPage = (seconds: number | undefined) => (seconds === undefined || pages === 0 ? undefined : (seconds * 1000) / pages);
  const worker = perPage(use.workerSeconds);
  const mariadb = perPage(use.mariadbSeconds);
  const both = use.workerSeconds !== undefined && use.mariadbSeconds !== undefined ? use.workerSeconds + use.mariadbSeconds : undefined;
  // The cores this process may run on: what the machine gives resync and MariaDB together.
  const cores = availableParallelism();
  const bound = both ? (cores * records) / both : undefined;
  const groups = new Map<string, number>();
  for (const [name, seconds] of use.threads) groups.set(threadGroup(name), (groups.get(threadGroup(name)) ?? 0) + seconds);
  const threads = [...groups]
    .filter(([, seconds]) => seconds >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`)
    .join(', ');
  const ms = (value: number | undefined) => (value === undefined ? '?' : String(Math.round(value)));
  const line =
    `end-to-end CPU: worker ${use.workerSeconds?.toFixed(1) ?? '?'} s (${ms(worker)} ms a page; ${threads || 'threads unknown'}), ` +
    (use.mariadbSeconds === undefined ? '' : `MariaDB ${use.mariadbSeconds.toFixed(1)} s (${ms(mariadb)} ms a page), `) +
    `cores ${use.machineBusy === undefined ? '?' : `${Math.round(use.machineBusy * 100)}%`} busy of ${cores}` +
    (bound === undefined ? '' : `; both at full use of the cores: ${Math.round(bound)} records/s`);
  const fields =
    (worker === undefined ? '' : ` worker_cpu_ms_per_page=${ms(worker)}`) +
    (mariadb === undefined ? '' : ` mariadb_cpu_ms_per_page=${ms(mariadb)}`) +
    (use.machineBusy === undefined ? '' : ` cores_busy=${use.machineBusy.toFixed(2)}`) +
    (bound === undefined ? '' : ` cpu_bound_per_s=${Math.round(bound)}`);
  return { line, fields };
}
