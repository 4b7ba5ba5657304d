/**
 * Reconcile benchmark: N keys at the simulator and a destination table of N rows (full schema,
 * key and timestamp filled) of which 0.25% are missing and 0.25% carry an older timestamp. Times
 * one reconcile end to end (key and timestamp download, streaming comparison, fetching the 0.5%
 * again by key and writing them) and reads the worker's peak RSS.
 */
import { flag } from './harness';
import { fillDestination, heapFlag, startKeyBench, timedRun } from './keys';

const log = (line: string) => console.log(line);
const DAY_MS = 86_400_000;

export async function benchReconcile(args: string[]): Promise<void> {
  const keys = flag(args, 'keys', 1_000_000);
  const bench = await startKeyBench('reconcile', keys, log);
  try {
    const missing = (i: number) => i % 400 === 7;
    const stale = (i: number) => i % 400 === 207;
    log(`reconcile-bench: filling a destination with ${keys} rows, 0.25% left out and 0.25% a day older`);
    await fillDestination(bench, { skip: missing, olderBy: (i) => (stale(i) ? DAY_MS : 0) });
    const expected = { missing: Array.from({ length: keys }, (_, i) => i).filter(missing).length, stale: 0 };
    expected.stale = Array.from({ length: keys }, (_, i) => i).filter(stale).length;

    const heapMb = heapFlag(args);
    const { result, seconds, peakRssMb, readyRssMb } = await timedRun(bench, 'reconcile', heapMb);
    if (result.missing !== expected.missing || result.stale !== expected.stale || result.restored !== expected.missing + expected.stale) {
      throw new Error(`reconcile-bench: found ${JSON.stringify(result)}, expected ${JSON.stringify(expected)}`);
    }
    log(
      `reconcile: ${seconds.toFixed(1)} s, ${result.keysStaged} keys staged, ${result.missing} missing and ${result.stale} stale restored, worker peak RSS ${peakRssMb} MB (${readyRssMb} MB when ready${heapMb ? `, V8 old space capped at ${heapMb} MB` : ''})`,
    );
    console.log(`reconcile-bench keys=${keys} seconds=${seconds.toFixed(1)} peak_rss_mb=${peakRssMb}`);
  } finally {
    await bench.close();
  }
}
