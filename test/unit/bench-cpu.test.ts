/**
 * The benchmark's CPU accounting (scripts/bench/cpu.ts) reads /proc: the figures it prints are
 * where the sync benchmark says its cores went, so they must be this process's real CPU.
 */
import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import {
  cpuFigures,
  cpuMeter,
  type CpuUse,
  machineCpuSeconds,
  parseStat,
  processCpuSeconds,
  threadCpuSeconds,
} from '../../scripts/bench/cpu';

/** The CPU seconds of a process's threads together. */
const threadsTotal = (use: CpuUse) => [...use.threads.values()].reduce((a, b) => a + b, 0);

/**
 * Spins until the meter has seen this process, its threads and the machine's busy time all move,
 * or ten seconds of wall time have passed. Each counts in ticks of 10 ms, and the kernel scales a
 * process's ticks and its threads' separately, so one can move before another.
 */
function burnUntilCounted(meter: () => CpuUse): CpuUse {
  const deadline = Date.now() + 10_000;
  let x = 0;
  let use = meter();
  while (!(use.workerSeconds! > 0 && threadsTotal(use) > 0 && use.machineBusy! > 0) && Date.now() < deadline) {
    for (let i = 0; i < 1e5; i++) x += Math.sqrt(i);
    use = meter();
  }
  expect(x).toBeGreaterThan(0);
  return use;
}

describe('bench CPU accounting', () => {
  it('reads a stat line whose name holds spaces and parentheses', () => {
    const fields = ['S', ...Array.from({ length: 10 }, (_, i) => String(i)), '250', '50', '0', '0'];
    expect(parseStat(`42 (a (b) c) ${fields.join(' ')}`)).toEqual({ name: 'a (b) c', seconds: 3 });
    expect(parseStat('42 no name here')).toBeUndefined();
    expect(parseStat('42 (short) S 1 2')).toBeUndefined();
  });

  it("counts this process's CPU, its main thread among its threads, and the machine's", () => {
    const use = burnUntilCounted(cpuMeter({ worker: process.pid }));
    expect(use.workerSeconds).toBeGreaterThan(0);
    expect(use.mariadbSeconds).toBeUndefined();
    expect(threadCpuSeconds(process.pid).get(String(process.pid))).toEqual({ name: 'main thread', seconds: expect.any(Number) });
    // Whichever thread the test runs on, the threads together used what was burnt.
    expect(threadsTotal(use)).toBeGreaterThan(0);
    const machine = machineCpuSeconds()!;
    expect(machine.busy).toBeGreaterThan(0);
    expect(machine.busy).toBeLessThanOrEqual(machine.total);
    expect(use.machineBusy).toBeGreaterThan(0);
    expect(use.machineBusy).toBeLessThanOrEqual(1);
  });

  it('gives nothing for a process that is not there', () => {
    expect(processCpuSeconds(2 ** 22 + 1)).toBeUndefined();
    expect(threadCpuSeconds(2 ** 22 + 1).size).toBe(0);
  });

  it('states CPU per page, by thread, and the rate both processes would allow on every core', () => {
    const threads = new Map([
      ['main thread', 4],
      ['node', 5.5],
      ['libuv-worker', 0.01],
      ['tokio-runtime-w', 0.5],
    ]);
    const both = cpuFigures({ workerSeconds: 10, mariadbSeconds: 5, threads, machineBusy: 0.9 }, 20, 20_000);
    const bound = Math.round((availableParallelism() * 20_000) / 15);
    expect(both.fields).toBe(` worker_cpu_ms_per_page=500 mariadb_cpu_ms_per_page=250 cores_busy=0.90 cpu_bound_per_s=${bound}`);
    expect(both.line).toBe(
      'end-to-end CPU: worker 10.0 s (500 ms a page; other node threads 5.5 s, main thread 4.0 s, Temporal core 0.5 s), ' +
        `MariaDB 5.0 s (250 ms a page), cores 90% busy of ${availableParallelism()}; both at full use of the cores: ${bound} records/s`,
    );
    // Another destination: no server CPU, so no bound either.
    const alone = cpuFigures({ workerSeconds: 10, mariadbSeconds: undefined, threads: new Map(), machineBusy: undefined }, 20, 20_000);
    expect(alone.fields).toBe(' worker_cpu_ms_per_page=500');
    expect(alone.line).toBe('end-to-end CPU: worker 10.0 s (500 ms a page; threads unknown), cores ? busy of ' + availableParallelism());
  });
});
