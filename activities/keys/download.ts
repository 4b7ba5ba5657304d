/**
 * The key download: every key (purge) or key and cursor timestamp (reconcile) the MLS has, through
 * the same paging as sync with only the key fields selected, into the staging table. Two passes:
 * `window` (everything up to the run's upper bound, what `@odata.count` counts) and `tail`
 * (everything modified since). A record modified while the window is read leaves the window before
 * its page comes; the tail pass finds it, so purge never takes it for deleted.
 *
 * The position is heartbeated after each page is committed to staging, so a retry resumes after
 * the last committed page instead of downloading the keys again.
 */
import { activityInfo, heartbeat } from '@temporalio/activity';
import { canonicalTimestamp } from '../common/timestamps';
import type { Runtime } from '../runtime';
import { replicationPages, type ReplicationPage } from '../source/paging';
import { readAhead } from '../source/paging/read-ahead';
import { keyPagesRequest } from '../source/requests';
import type { DownloadKeysInput, DownloadKeysResult, KeyDownloadPosition, KeyProcess } from '../../workflows/key-types';
import { toActivityFailure } from '../activity-wrappers';
import { CHUNK_BUDGET_MS, keepAlive, keyContext, type KeyContext } from './context';
import type { KeyRow } from './merge';
import { sortKey } from './order';
import { DELETED_SIDE, MLS_SIDE, stageKeys, touchRun } from './staging';

/** Upper bound of the tail pass: no MLS record is modified this late. */
export const TAIL_UPPER_BOUND = '2999-12-31T23:59:59.0000000Z';

interface DownloadHeartbeat {
  position: KeyDownloadPosition;
  expected: number | null;
  pages: number;
  received: number;
}

export async function downloadKeysChunk(runtime: Runtime, input: DownloadKeysInput): Promise<DownloadKeysResult> {
  const ctx = await keyContext(runtime, input, input.process);
  const resumed = activityInfo().heartbeatDetails as DownloadHeartbeat | undefined;
  const state: DownloadHeartbeat = resumed ?? { position: input.position, expected: input.expected, pages: 0, received: 0 };
  if (resumed) ctx.log.info({ position: state.position, attempt: activityInfo().attempt }, 'resuming key download from heartbeat');
  await touchRun(ctx.pool, input.runId);
  const platform = ctx.src.platform;
  const resumableAnywhere = platform.paging === 'keyset' && platform.orderbyAllowed;
  const deadline = Date.now() + (input.chunkBudgetMs ?? CHUNK_BUDGET_MS);
  const alive = keepAlive(() => state);
  // An empty keyset page ends the pass: only a page with records can have more after it.
  const more = (page: ReplicationPage) => page.nextLink !== null || (resumableAnywhere && page.records.length + page.rejects.length > 0);
  try {
    for (;;) {
      const { pass } = state.position;
      // The next key page downloads while this one is staged; once the budget is used, none is asked for.
      for await (const { page, stopped } of readAhead(keyPages(ctx, input, state), (p) => !(more(p) && Date.now() > deadline))) {
        if (pass === 'window' && state.expected === null && page.count !== null) state.expected = page.count;
        const { live, deleted } = keyRows(ctx, page, input.process);
        await stageKeys(ctx.pool, input.runId, MLS_SIDE, live, pass === 'window' ? 0 : 1);
        await stageKeys(ctx.pool, input.runId, DELETED_SIDE, deleted, pass === 'window' ? 0 : 1);
        state.pages += 1;
        state.received += live.length;
        state.position = { pass, cursor: page.cursor, nextLink: page.nextLink };
        heartbeat(state);
        if (stopped) {
          ctx.log.info({ position: state.position, received: state.received }, 'key download chunk budget used; continuing');
          return { position: state.position, done: false, expected: state.expected, pages: state.pages, received: state.received };
        }
      }
      if (pass === 'tail') break;
      state.position = { pass: 'tail', cursor: null, nextLink: null };
      heartbeat(state);
    }
  } catch (err) {
    // What this activity staged goes with the failure: a failed run still counts the keys it received.
    throw toActivityFailure(err, state);
  } finally {
    alive.stop();
  }
  ctx.log.info({ expected: state.expected, received: state.received }, 'key download complete');
  return { position: state.position, done: true, expected: state.expected, pages: state.pages, received: state.received };
}

function keyPages(ctx: KeyContext, input: DownloadKeysInput, state: DownloadHeartbeat): AsyncGenerator<ReplicationPage> {
  const { src } = ctx;
  const { pass, cursor, nextLink } = state.position;
  return replicationPages({
    // Live records only (MLS Grid: `MlgCanView eq true`), for the download and its `@odata.count` alike:
    // deletion notices expire on the platform's schedule, and one that vanished between the count and
    // its page would make a whole download look short. A key that is not live is absent either way.
    // Window: no lower bound, up to the run's start. Tail: from the run's start (inclusive: a key seen
    // twice is staged once) to the end of time.
    ...keyPagesRequest(ctx, {
      upperBound: pass === 'window' ? input.upperBound : TAIL_UPPER_BOUND,
      count: pass === 'window' && state.expected === null,
    }),
    // Staged keys sort as the key column does (integers as numbers).
    numericKey: ctx.numeric,
    http: src.http,
    start: cursor ?? (pass === 'tail' ? { timestamp: input.upperBound, key: '' } : null),
    resumeLink: nextLink,
    signal: ctx.signal,
    onRestart: (reason, from) => ctx.log.warn({ reason, from }, 'nextLink refused; querying the key window again from the restart point'),
  });
}

/**
 * The page's keys in staged form. Records without a readable timestamp still exist at the MLS:
 * their keys are staged (without a timestamp) so purge keeps them. Records the platform marks
 * deleted (MLS Grid `MlgCanView=false`) are gone: they are kept apart, only to be counted.
 */
function keyRows(ctx: KeyContext, page: ReplicationPage, process: KeyProcess): { live: KeyRow[]; deleted: KeyRow[] } {
  const { keyField, cursorField } = ctx.resource;
  const deleteSignal = ctx.src.platform.deleteSignal;
  const live: KeyRow[] = [];
  const deleted: KeyRow[] = [];
  for (const record of page.records) {
    const key = sortKey(String(record[keyField]), ctx.numeric);
    if (deleteSignal && record[deleteSignal.field] === deleteSignal.deletedValue) {
      deleted.push({ key, ts: null });
      continue;
    }
    const ts = process === 'reconcile' ? (canonicalTimestamp(String(record[cursorField])) ?? null) : null;
    live.push({ key, ts });
  }
  for (const { record } of page.rejects) {
    const key = record[keyField];
    if ((typeof key === 'string' && key !== '') || typeof key === 'number') live.push({ key: sortKey(String(key), ctx.numeric), ts: null });
  }
  return { live, deleted };
}
