/**
 * Sync activities: prepare a run, then download and upsert pages in chunks. Every page is
 * committed to every destination before its cursor is heartbeated, so a retry (another worker,
 * after a crash) resumes from the last heartbeat and redoes at most the pages since then;
 * upserts make that harmless.
 */
import { ApplicationFailure, heartbeat, activityInfo, cancellationSignal } from '@temporalio/activity';
import { canonicalTimestamp, formatInstant, parseInstant } from './common/timestamps';
import type { Runtime } from './runtime';
import type { ResourceModel, SyncCursor } from './destinations';
import { replicatedFields } from './source/replicated-fields';
import { replicationPages, type ReplicationPage } from './source/paging';
import { resumeAfterTie } from './source/paging/resume';
import { readAhead } from './source/paging/read-ahead';
import { countUrl, syncPagesRequest } from './source/requests';
import { SourceRateLimited } from './source/errors';
import { findInChain, toActivityFailure } from './activity-wrappers';
import { wholeRecords, withBareRecords } from './common/load-lines';
import { keepAlive } from './keys/context';
import { NON_RETRYABLE_ERRORS } from '../workflows/names';
import { checkMediaDestinations, mediaConfigOf } from './media/context';
import {
  emptyTotals,
  type ChunkFailureDetails,
  type PrepareSyncInput,
  type PrepareSyncResult,
  type SyncPagesInput,
  type SyncPagesResult,
  type SyncTotals,
} from '../workflows/types';

/** A chunk returns to the workflow after this long, so progress and history stay fresh. */
const CHUNK_BUDGET_MS = 30_000;

interface SyncHeartbeat {
  cursor: SyncCursor | null;
  nextLink: string | null;
  totals: SyncTotals;
}

export function createSyncActivities(runtime: Runtime) {
  return {
    async prepareSync(input: PrepareSyncInput): Promise<PrepareSyncResult> {
      const src = runtime.source(input.source);
      const log = src.logger.child({ resource: input.resource, process: 'sync', workflowId: input.workflowId });
      const signal = cancellationSignal();
      const resource = await runtime.resourceModel(input.source, input.resource, signal);
      const destinations = runtime.destinationsFor(input.source);
      checkMediaDestinations(runtime, input.source, input.resource, destinations);
      const startedAt = new Date().toISOString();
      const stats = await runtime.statsStore();
      // The run's row goes in while the schema, the high-water mark and the MLS's counts are read:
      // nothing below depends on it, and a no-change run is mostly these round trips.
      const runRow = stats.startRun({
        runId: input.runId,
        workflowId: input.workflowId,
        source: input.source,
        resource: input.resource,
        process: 'sync',
        startedAt,
      });
      // Awaited below; a failure in between must not surface as an unhandled rejection first.
      runRow.catch(() => undefined);
      for (const dest of destinations) {
        const changes = await dest.ensureSchema(resource);
        for (const change of changes) log.info({ destination: dest.name, change }, 'schema changed');
      }
      const upperBound = canonicalTimestamp(startedAt)!;
      // The high-water mark comes from the first destination; the others follow it. Platforms that
      // serve cached results re-read a look-back period anyway; elsewhere the records at the newest
      // timestamp are read again only when the counts say something there may be missing (paging/resume.ts).
      const resume =
        src.platform.lookBackMs > 0
          ? { cursor: lookBack(await destinations[0]!.highWaterMark(resource), src.platform.lookBackMs) }
          : await resumeAfterTie(
              { src, resource, resourceConfig: runtime.resourceConfig(input.source, input.resource) },
              src.http,
              await destinations[0]!.highWaterTie(resource),
              { upperBound, signal, log },
            );
      const { cursor } = resume;
      const expectedTotal = !src.platform.supportsCount
        ? null
        : (resume.expectedTotal ?? (await countWindow(runtime, resource, cursor, upperBound, signal)));
      await runRow;
      const mediaFiles = mediaConfigOf(runtime, input.source, input.resource) !== null;
      log.info({ cursor, upperBound, expectedTotal }, 'sync prepared');
      return { upperBound, cursor, expectedTotal, startedAt, mediaFiles };
    },

    // Rate limits become waits in wrapActivities (activities/index.ts), as for every activity.
    syncPages: (input: SyncPagesInput): Promise<SyncPagesResult> => syncPagesChunk(runtime, input),
  };
}

async function syncPagesChunk(runtime: Runtime, input: SyncPagesInput): Promise<SyncPagesResult> {
  const src = runtime.source(input.source);
  const info = activityInfo();
  const log = src.logger.child({ resource: input.resource, process: 'sync', workflowId: info.workflowExecution?.workflowId });
  const signal = cancellationSignal();
  // A retry resumes where the previous attempt last heartbeated, not where the chunk began.
  const resumed = info.heartbeatDetails as SyncHeartbeat | undefined;
  let cursor = resumed?.cursor ?? input.cursor;
  let nextLink = resumed ? resumed.nextLink : (input.nextLink ?? null);
  const totals = resumed?.totals ?? emptyTotals();
  if (resumed) log.info({ cursor, attempt: info.attempt }, 'resuming chunk from heartbeat');

  const resource = await runtime.resourceModel(input.source, input.resource, signal);
  const resourceConfig = runtime.resourceConfig(input.source, input.resource);
  const destinations = runtime.destinationsFor(input.source);
  const stats = await runtime.statsStore();
  const platform = src.platform;
  const { expand } = replicatedFields(resource, resourceConfig, platform);
  // Platforms allow fewer records per page when each carries its children.
  const pageSize = Math.min(
    resourceConfig.pageSize ?? platform.pageSize.default,
    platform.pageSize.max,
    expand ? platform.pageSize.expandMax : Number.POSITIVE_INFINITY,
  );
  const deadline = Date.now() + (input.chunkBudgetMs ?? CHUNK_BUDGET_MS);
  const deleteSignal = platform.deleteSignal;
  const runRef = { runId: input.runId, source: input.source, resource: input.resource };

  const pages = replicationPages({
    // An initial load needs no deletion notices (MLS Grid: only records with MlgCanView true).
    ...syncPagesRequest({ src, resource, resourceConfig }, { upperBound: input.upperBound, initialLoad: cursor === null, pageSize }),
    http: src.http,
    start: cursor,
    resumeLink: nextLink,
    count: false,
    signal,
    onRestart: (reason, from) => log.warn({ reason, from }, 'nextLink refused; querying the window again from the restart point'),
    // With nextLink paging the following page is requested while this one is still being parsed,
    // unless the chunk's budget is used by then.
    prefetch: () => Date.now() <= deadline,
    // The JSON thread writes LOAD DATA lines for the first destination that would take them; for
    // a sole destination, records its lines stand for come bare (common/load-lines.ts).
    lines: () => {
      for (const dest of destinations) {
        let plan;
        try {
          plan = dest.linePlan?.(resource);
        } catch (err) {
          // Lines only save work: the page is converted as usual, and writing it reports what is wrong.
          log.debug({ destination: dest.name, error: (err as Error).message }, 'no LOAD DATA lines for this page');
        }
        if (plan) return destinations.length === 1 ? withBareRecords(plan, resource, deleteSignal?.field) : plan;
      }
      return undefined;
    },
  });

  let done = true;
  /** Pages this attempt committed (a resumed attempt's totals also count earlier attempts'). */
  let committed = 0;
  // A slow page (up to the request timeout) must not look like a dead worker.
  const alive = keepAlive(() => ({ cursor, nextLink, totals }) satisfies SyncHeartbeat);
  try {
    // Once the budget is used, the chunk ends after the page in hand (asking for no page it would
    // drop; a page already requested ahead is taken too).
    const ahead = (p: ReplicationPage) => p.nextRequested === true;
    for await (const { page, stopped } of readAhead(pages, (p) => ahead(p) || !(p.more && Date.now() > deadline), ahead)) {
      totals.pages += 1;
      totals.downloaded += page.records.length + page.rejects.length;
      if (page.rejects.length > 0) {
        // Rejects are kept as sent: a bare record is made whole first.
        const sent = await wholeRecords(page.rejects.map((r) => r.record));
        await stats.recordRejects(
          runRef,
          '(source)',
          page.rejects.map((r, i) => ({ key: keyOf(sent[i]!, resource.keyField), field: null, reason: r.reason, record: sent[i]! })),
        );
      }
      // Records the platform marks deleted (MLS Grid MlgCanView=false) are removed, not written.
      const deleted = deleteSignal ? page.records.filter((r) => r[deleteSignal.field] === deleteSignal.deletedValue) : [];
      const live = deleted.length ? page.records.filter((r) => r[deleteSignal!.field] !== deleteSignal!.deletedValue) : page.records;
      let upserted = Number.POSITIVE_INFINITY;
      let rejected = 0;
      let removed = 0;
      for (const dest of destinations) {
        const mine = ((totals.byDestination ??= {})[dest.name] ??= { upserted: 0, deleted: 0, rejected: 0 });
        try {
          if (live.length > 0) {
            const result = await dest.writePage(resource, live);
            mine.upserted += result.upserted;
            mine.rejected += result.rejects.length;
            upserted = Math.min(upserted, result.upserted);
            rejected = Math.max(rejected, result.rejects.length);
            await stats.recordRejects(runRef, dest.name, result.rejects);
            if (result.rejects.length > 0) log.warn({ destination: dest.name, rejects: result.rejects.length }, 'records rejected');
            if (result.skipped > 0) log.debug({ destination: dest.name, skipped: result.skipped }, 'records skipped by transform');
            // Children are kept apart from the totals (which count parents): their rejects are recorded
            // under the child's name (e.g. PropertyMedia) and the rest is logged.
            for (const child of result.children ?? []) {
              await stats.recordRejects({ ...runRef, resource: child.resource }, dest.name, child.rejects);
              const { rejects, ...counts } = child;
              if (rejects.length > 0) log.warn({ destination: dest.name, ...counts, rejects: rejects.length }, 'child records rejected');
              else log.debug({ destination: dest.name, ...counts }, 'children written');
            }
          }
          if (deleted.length > 0) {
            const n = await dest.deleteRecords(
              resource,
              deleted.map((r) => String(r[resource.keyField])),
            );
            mine.deleted += n;
            removed = Math.max(removed, n);
          }
        } catch (err) {
          throw new Error(`destination ${dest.name}: ${(err as Error).message}`, { cause: err });
        }
      }
      totals.upserted += Number.isFinite(upserted) ? upserted : 0;
      totals.rejected += rejected + page.rejects.length;
      totals.deleted += removed;
      cursor = page.cursor;
      nextLink = page.nextLink;
      heartbeat({ cursor, nextLink, totals } satisfies SyncHeartbeat);
      committed += 1;
      log.debug({ page: totals.pages, records: page.records.length, deleted: deleted.length, cursor, bytes: page.bytes }, 'page committed');
      if (stopped) done = false;
    }
  } catch (err) {
    if (committed > 0 && !signal.aborted && isRetryable(err)) {
      // Progress was made: hand it to the workflow, which goes on in a fresh activity with a fresh
      // retry budget. Only failures in a row without progress use up the retry policy, so a flaky
      // MLS cannot fail a long sync that keeps moving, while a permanent fault still surfaces.
      const limited = findInChain(err, (e): e is SourceRateLimited => e instanceof SourceRateLimited);
      log.warn(
        { error: describeError(err), attempt: info.attempt, pages: committed, cursor },
        'chunk interrupted after committing pages; continuing in a fresh chunk',
      );
      return {
        cursor,
        nextLink,
        done: false,
        totals,
        interrupted: { error: describeError(err), ...(limited ? { retryAfterMs: limited.retryAfterMs } : {}) },
      };
    }
    // What this activity committed (over all its attempts) goes with the failure: a failed run still
    // records the rows it wrote.
    throw toActivityFailure(err, { totals, cursor } satisfies ChunkFailureDetails);
  } finally {
    alive.stop();
  }
  // The run's window is done: destinations that batch visibility (Solr) make it durable now.
  if (done) for (const dest of destinations) await dest.finish?.(resource);
  log.info({ cursor, totals, done }, done ? 'window exhausted' : 'chunk budget used; continuing');
  return { cursor, nextLink: done ? null : nextLink, done, totals };
}

/** Whether the workflows' retry policies would retry this error (matched by name, as they do). */
function isRetryable(err: unknown): boolean {
  if (err instanceof ApplicationFailure) return !err.nonRetryable && !NON_RETRYABLE_ERRORS.includes(err.type ?? '');
  return !(err instanceof Error && NON_RETRYABLE_ERRORS.includes(err.name));
}

/** `<type>: <message>`, short enough for the workflow's history (MLS URLs in messages can be long). */
function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
}

async function countWindow(
  runtime: Runtime,
  resource: ResourceModel,
  cursor: SyncCursor | null,
  upperBound: string,
  signal: AbortSignal,
): Promise<number | null> {
  const src = runtime.source(resource.source);
  const resourceConfig = runtime.resourceConfig(resource.source, resource.resource);
  const url = countUrl({ src, resource, resourceConfig }, { window: { from: cursor, upperBound }, liveOnly: cursor === null });
  const page = await src.http.getCollection(url, signal);
  return page.count;
}

/** Platforms that serve cached results for a while need the window to start that much earlier. */
function lookBack(cursor: SyncCursor | null, ms: number): SyncCursor | null {
  if (!cursor || ms === 0) return cursor;
  const instant = parseInstant(cursor.timestamp)!;
  return { timestamp: formatInstant({ ...instant, epochSeconds: instant.epochSeconds - ms / 1000 }), key: '' };
}

function keyOf(record: Record<string, unknown>, keyField: string): string {
  const key = record[keyField];
  if (typeof key === 'string' || typeof key === 'number') return String(key);
  // No usable key: a stable digest of the record keeps rejects idempotent across retries.
  let h = 0;
  for (const ch of JSON.stringify(record)) h = (Math.imul(31, h) + ch.charCodeAt(0)) | 0;
  return `(no key #${(h >>> 0).toString(16)})`;
}
