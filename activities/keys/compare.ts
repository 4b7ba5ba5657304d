/**
 * Compares the staged MLS keys with one destination by merging two key-sorted streams (staging
 * and the destination's primary key, both in byte order), a page of each at a time: memory stays
 * flat whatever the table size. What differs goes to the staging diff table; the counts and the
 * merge position are heartbeated together after each flush, so a retry resumes exactly there.
 *
 * A destination with a keyMapping stores keys in another form whose order is not the MLS's, so its
 * keys are first copied into staging in MLS form (the `copy` stage) and merged from there.
 */
import { activityInfo, heartbeat } from '@temporalio/activity';
import type { Runtime } from '../runtime';
import type { CompareKeysInput, CompareKeysResult, ComparePosition } from '../../workflows/key-types';
import { CHUNK_BUDGET_MS, destinationNamed, keepAlive, keyContext, keyMappingOf, type KeyContext, type KeyMapping } from './context';
import { KeyStream, mergeKeys, type MergeStep, type PageReader } from './merge';
import { keyFromSortKey, sameAtStoredPrecision, sortKey, storedNotAfter } from './order';
import { clearSide, MLS_SIDE, readStagedKeys, recordDiffs, recordDifferences, stageKeys, touchRun, type DiffKind } from './staging';
import type { Destination } from '../destinations';

/** Rows per page read from either side. */
const PAGE_ROWS = 5000;
/** Merge steps between flushes of the diff buffer (and heartbeats). */
const FLUSH_STEPS = 10_000;
/** Merge steps between looks at the clock: a chunk past its budget flushes early and returns. */
const CLOCK_STEPS = 100;

export async function compareKeysChunk(runtime: Runtime, input: CompareKeysInput): Promise<CompareKeysResult> {
  const ctx = await keyContext(runtime, input, input.process);
  const dest = destinationNamed(runtime, input.source, input.destination);
  const mapping = keyMappingOf(runtime, input.destination);
  const resumed = activityInfo().heartbeatDetails as ComparePosition | undefined;
  const position: ComparePosition = resumed ??
    input.position ?? { stage: mapping ? 'copy' : 'merge', after: null, rows: 0, extra: 0, missing: 0, stale: 0 };
  await touchRun(ctx.pool, input.runId);
  const deadline = Date.now() + (input.chunkBudgetMs ?? CHUNK_BUDGET_MS);
  const alive = keepAlive(() => position);
  try {
    if (position.stage === 'copy') {
      if (!(await copyMappedKeys(ctx, dest, mapping!, input, position, deadline))) return { position, done: false };
      Object.assign(position, { stage: 'merge', after: null } satisfies Partial<ComparePosition>);
      heartbeat(position);
    }
    if (!(await merge(ctx, dest, mapping, input, position, deadline))) return { position, done: false };
  } finally {
    alive.stop();
  }
  const { rows, extra, missing, stale } = position;
  await recordDifferences(ctx.pool, input.runId, input.destination, input.process, { rowsCompared: rows, extra, missing, stale });
  ctx.log.info({ destination: input.destination, rows, extra, missing, stale }, 'comparison complete');
  return { position, done: true };
}

/** Stages the destination's keys in MLS form (side = destination name); true when all are copied. */
async function copyMappedKeys(
  ctx: KeyContext,
  dest: Destination,
  mapping: KeyMapping,
  input: CompareKeysInput,
  position: ComparePosition,
  deadline: number,
): Promise<boolean> {
  // A copy begun by an attempt that left no heartbeat is started over from nothing.
  if (position.after === null) await clearSide(ctx.pool, input.runId, input.destination);
  for (;;) {
    const page = await dest.readKeys(ctx.resource, position.after, PAGE_ROWS);
    const rows = page.map((k) => ({ key: sortKey(mapping.toMls(k.key, ctx.resource.resource), ctx.numeric), ts: k.cursor }));
    await stageKeys(ctx.pool, input.runId, input.destination, rows, 0);
    if (page.length > 0) position.after = page[page.length - 1]!.key;
    heartbeat(position);
    if (page.length < PAGE_ROWS) return true;
    if (Date.now() > deadline) return false;
  }
}

/** Merges the MLS side with the destination side from `position.after`; true when both are exhausted. */
async function merge(
  ctx: KeyContext,
  dest: Destination,
  mapping: KeyMapping | undefined,
  input: CompareKeysInput,
  position: ComparePosition,
  deadline: number,
): Promise<boolean> {
  const staged =
    (side: string): PageReader =>
    (after) =>
      readStagedKeys(ctx.pool, input.runId, side, after, PAGE_ROWS);
  const direct: PageReader = async (after) => {
    const page = await dest.readKeys(ctx.resource, after === null ? null : keyFromSortKey(after, ctx.numeric), PAGE_ROWS);
    return page.map((k) => ({ key: sortKey(k.key, ctx.numeric), ts: k.cursor }));
  };
  const mls = new KeyStream('the staged MLS keys', staged(MLS_SIDE), PAGE_ROWS, position.after);
  const destination = new KeyStream(
    `destination ${input.destination}`,
    mapping ? staged(input.destination) : direct,
    PAGE_ROWS,
    position.after,
  );
  // Purge lists what it will delete per destination; reconcile lists what to fetch once for all.
  const diffDestination = input.process === 'purge' ? input.destination : '';
  const counts = { ...position };
  let diffs: { key: string; kind: DiffKind }[] = [];
  let steps = 0;
  const flush = async () => {
    await recordDiffs(ctx.pool, input.runId, diffDestination, diffs);
    diffs = [];
    Object.assign(position, counts);
    heartbeat(position);
  };
  for await (const step of mergeKeys(mls, destination)) {
    const kind = classify(step, input, counts);
    // Past the limit the run will refuse: the rest is counted, not listed.
    if (kind && (kind !== 'delete' || input.listLimit === null || counts.extra <= input.listLimit)) diffs.push({ key: step.key, kind });
    counts.after = step.key;
    if (++steps % CLOCK_STEPS === 0) {
      const late = Date.now() > deadline;
      if (late || steps % FLUSH_STEPS === 0) await flush();
      if (late) return false;
    }
  }
  await flush();
  return true;
}

/** Counts the step and says what, if anything, must be done about its key. */
function classify(step: MergeStep, input: CompareKeysInput, counts: ComparePosition): DiffKind | undefined {
  const reconcile = input.process === 'reconcile';
  switch (step.side) {
    case 'both':
      counts.rows++;
      if (reconcile && step.mls !== null && (step.dest === null || !sameAtStoredPrecision(step.mls, step.dest))) {
        counts.stale++;
        return 'stale';
      }
      return undefined;
    case 'mls':
      counts.missing++;
      return reconcile ? 'missing' : undefined;
    case 'dest':
      counts.rows++;
      // A row written after the key download began may be a record the download could not see yet.
      if (!storedNotAfter(step.dest, input.upperBound)) return undefined;
      counts.extra++;
      return reconcile ? undefined : 'delete';
  }
}
