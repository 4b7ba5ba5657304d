/**
 * Reconcile's repair: the keys the comparisons found missing or stale are fetched again from the
 * MLS in ID-list requests (`Key in (…)` or `Key eq … or …`, each within the platform's URL
 * budget) and upserted to every destination, as sync would have written them. Reconcile never
 * deletes: a key the MLS no longer returns is left for purge.
 */
import { activityInfo, heartbeat } from '@temporalio/activity';
import type { Runtime } from '../runtime';
import { byKeysUrls } from '../source/requests';
import type { FetchKeysInput, FetchKeysResult, FetchTotals } from '../../workflows/key-types';
import { toActivityFailure } from '../activity-wrappers';
import { CHUNK_BUDGET_MS, keepAlive, keyContext, type KeyContext } from './context';
import { keyFromSortKey } from './order';
import { readDiffs, touchRun } from './staging';

/** Keys read from staging per round (then split into as many requests as the URL budget needs). */
const KEYS_PER_ROUND = 1000;
/**
 * Most keys per ID-list request. A response holds whole records (650 fields, children too), and
 * the worker holds one response at a time: 100 keeps that near 10 MB, where the URL budget alone
 * would allow a few hundred. Reconcile fetches few records, so the extra requests cost little.
 */
const KEYS_PER_REQUEST = 100;

interface FetchHeartbeat {
  after: string | null;
  totals: FetchTotals;
}

export async function fetchKeysChunk(runtime: Runtime, input: FetchKeysInput): Promise<FetchKeysResult> {
  const ctx = await keyContext(runtime, input, 'reconcile');
  const destinations = runtime.destinationsFor(input.source);
  const stats = await runtime.statsStore();
  const resumed = activityInfo().heartbeatDetails as FetchHeartbeat | undefined;
  const state: FetchHeartbeat = resumed ?? { after: input.after, totals: structuredClone(input.totals) };
  await touchRun(ctx.pool, input.runId);
  const deadline = Date.now() + (input.chunkBudgetMs ?? CHUNK_BUDGET_MS);
  const alive = keepAlive(() => state);
  const runRef = { runId: input.runId, source: input.source, resource: input.resource };
  const deleteSignal = ctx.src.platform.deleteSignal;
  let done = false;
  /** The round in progress: written records not yet in state.totals (a retry redoes the round). */
  let round: FetchTotals | undefined;
  try {
    while (!done) {
      const staged = await readDiffs(ctx.pool, input.runId, '', state.after, KEYS_PER_ROUND);
      if (staged.length > 0) {
        // Counted apart and added once the round is done: a retried round is counted once.
        round = { requested: staged.length, fetched: 0, byDestination: {} };
        // Written page by page as they arrive: memory holds one page of full records, not the round's.
        for await (const records of fetchRecords(
          ctx,
          staged.map((k) => keyFromSortKey(k, ctx.numeric)),
        )) {
          round.fetched += records.length;
          // A record the platform marks deleted is sync's (and purge's) to remove, not ours to write.
          const live = deleteSignal ? records.filter((r) => r[deleteSignal.field] !== deleteSignal.deletedValue) : records;
          if (live.length === 0) continue;
          for (const dest of destinations) {
            const result = await dest.writePage(ctx.resource, live);
            await stats.recordRejects(runRef, dest.name, result.rejects);
            const t = (round.byDestination[dest.name] ??= { upserted: 0, rejected: 0 });
            t.upserted += result.upserted;
            t.rejected += result.rejects.length;
          }
        }
        addTotals(state.totals, round);
        round = undefined;
        state.after = staged[staged.length - 1]!;
        heartbeat(state);
      }
      done = staged.length < KEYS_PER_ROUND;
      if (!done && Date.now() > deadline) break;
    }
  } catch (err) {
    // A failed run records every record written, the unfinished round's too.
    const written = structuredClone(state.totals);
    if (round) addTotals(written, round);
    throw toActivityFailure(err, { after: state.after, totals: written });
  } finally {
    alive.stop();
  }
  // Every restored record is sent: destinations that batch visibility (Solr) make it durable now.
  if (done) for (const dest of destinations) await dest.finish?.(ctx.resource);
  if (done) ctx.log.info({ totals: state.totals }, 'missing and stale records fetched again');
  return { after: state.after, done, totals: state.totals };
}

function addTotals(into: FetchTotals, round: FetchTotals): void {
  into.requested += round.requested;
  into.fetched += round.fetched;
  for (const name of new Set([...Object.keys(into.byDestination), ...Object.keys(round.byDestination)])) {
    const a = (into.byDestination[name] ??= { upserted: 0, rejected: 0 });
    const b = round.byDestination[name] ?? { upserted: 0, rejected: 0 };
    a.upserted += b.upserted;
    a.rejected += b.rejected;
  }
}

/** The records of these keys, a page at a time, in as few requests as the platform's URL budget allows. */
async function* fetchRecords(ctx: KeyContext, keys: string[]): AsyncGenerator<Record<string, unknown>[]> {
  const { src } = ctx;
  // The same fields and children sync asks for, so a restored record equals a synced one.
  for (const first of byKeysUrls(ctx, keys, { numericKey: ctx.numeric, maxKeys: KEYS_PER_REQUEST })) {
    let url: string | null = first;
    while (url) {
      const page = await src.http.getCollection(url, ctx.signal);
      yield page.records;
      url = page.nextLink ? new URL(page.nextLink, url).href : null;
    }
  }
}
