/**
 * Purge benchmark: N keys at the simulator, a destination table of N rows (full schema, key and
 * timestamp filled), and 0.5% of the listings then deleted at the MLS. Times one purge end to end
 * (key download, staging, streaming comparison, deletes) and reads the worker's peak RSS.
 */
import { flag } from './harness';
import { fillDestination, heapFlag, startKeyBench, timedRun } from './keys';

const log = (line: string) => console.log(line);

export async function benchPurge(args: string[]): Promise<void> {
  const keys = flag(args, 'keys', 1_000_000);
  const bench = await startKeyBench('purge', keys, log);
  try {
    log(`purge-bench: filling a destination with ${keys} rows`);
    await fillDestination(bench);
    const all = bench.sim.dataset.liveKeys();
    const gone = all.filter((_, i) => i % 200 === 7);
    bench.sim.dataset.remove(gone);
    log(`purge-bench: ${gone.length} listings deleted at the MLS (${((gone.length * 100) / keys).toFixed(2)}%)`);

    const heapMb = heapFlag(args);
    const { result, seconds, peakRssMb, readyRssMb } = await timedRun(bench, 'purge', heapMb);
    if (result.deleted !== gone.length) throw new Error(`purge-bench: deleted ${result.deleted}, expected ${gone.length}`);
    log(
      `purge: ${seconds.toFixed(1)} s, ${result.keysStaged} keys staged, ${result.deleted} rows deleted, worker peak RSS ${peakRssMb} MB (${readyRssMb} MB when ready${heapMb ? `, V8 old space capped at ${heapMb} MB` : ''})`,
    );
    console.log(`purge-bench keys=${keys} seconds=${seconds.toFixed(1)} peak_rss_mb=${peakRssMb}`);
  } finally {
    await bench.close();
  }
}
