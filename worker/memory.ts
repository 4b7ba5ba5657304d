/**
 * The worker's memory policy. V8's defaults suit short programs: the heap may grow to several times
 * what is live before a full collection, and the first such limit is a start-up default far above
 * what a worker needs. A worker runs for months, mostly streaming keys and small pages, so resync
 * asks V8 to collect once the heap is `heapGrowthPercent` past the live set (docs/configuration.md),
 * and sizes the first limit from the real working set by collecting once when the worker is ready.
 *
 * Sync is the exception: its pages hold hundreds of 650-field records, so a tight limit would mean a
 * full collection several times per page. While any sync chunk runs the growth is
 * `syncHeapGrowthPercent` (0: V8 sizes the heap its own way); the tight limit returns with the next
 * collection after the last one ends.
 */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Activities that hold pages of whole records at a volume where collection time would show. */
const BULK_ACTIVITIES = new Set(['syncPages']);

export interface MemoryPolicy {
  /** Once the worker is ready: one full collection, so V8's next limit follows the live set. */
  collectOnce(): void;
  /**
   * A full collection, run as a task soon after: given to the body thread (setPageCollection),
   * which starts one before each body on the bulk path goes to be decoded.
   */
  collectSoon(): void;
  /** Loosens the heap limit while bulk activities run. */
  interceptor: ActivityInterceptorsFactory;
}

/** Call before the Temporal worker exists: flags apply to the main heap and to isolates created after. */
export function applyMemoryPolicy(heapGrowthPercent: number, syncGrowthPercent: number): MemoryPolicy | undefined {
  if (heapGrowthPercent === 0) return undefined;
  // Read by V8 at every full collection, so setting it at run time takes effect from the next one;
  // 0 is V8's own (dynamic) choice.
  const growth = (percent: number) => setFlagsFromString(`--heap-growing-percent=${percent}`);
  growth(heapGrowthPercent);
  // Read when an isolate is created: the workflow thread the Temporal worker starts next gets a
  // small young generation (workflow code allocates little; the main thread keeps what node was started with).
  setFlagsFromString('--max-semi-space-size=2');
  let bulkRunning = 0;
  let gc: ((options?: { type: 'major'; execution: 'async' }) => void) | undefined;
  const collector = () => {
    if (gc) return gc;
    // `gc` exists only when exposed; a context created after the flag is set carries it. Once is
    // enough: collectSoon runs before every bulk-path page.
    setFlagsFromString('--expose-gc');
    return (gc = runInNewContext('gc') as NonNullable<typeof gc>);
  };
  return {
    collectOnce() {
      collector()();
    },
    collectSoon() {
      collector()({ type: 'major', execution: 'async' });
    },
    interceptor: (ctx) => ({
      inbound: {
        async execute(input, next) {
          if (!BULK_ACTIVITIES.has(ctx.info.activityType)) return next(input);
          if (bulkRunning++ === 0) growth(syncGrowthPercent);
          try {
            return await next(input);
          } finally {
            if (--bulkRunning === 0) growth(heapGrowthPercent);
          }
        },
      },
    }),
  };
}
