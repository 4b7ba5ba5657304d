/**
 * Media file activities. Each works through the resource's Media rows in key order, a bounded
 * batch at a time, heartbeats its cursor, and returns after a time budget; each is safe to run
 * twice (a stored file is no longer pending, a deleted one is gone, a put is atomic).
 *
 * - removeOrphanMedia: files whose Media row is gone (purge, deletions, replaced photos) are deleted.
 * - verifyMediaFiles (reconcile): stored files that are missing or do not match their checksum are
 *   forgotten (a corrupt one deleted), so the download step fetches them again.
 * - downloadMediaFiles: Media rows without a stored file of their timestamp are downloaded.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { activityInfo, heartbeat } from '@temporalio/activity';
import type { PendingMedia } from '../destinations/media-files';
import { SourceRateLimited } from '../source/errors';
import { keepAlive } from '../keys/context';
import type { Runtime } from '../runtime';
import { emptyMediaTotals, type MediaChunkInput, type MediaChunkResult, type MediaTotals } from '../../workflows/media-types';
import { mediaConfigOf, mediaContext, MediaResources, type MediaContext } from './context';
import { MediaDownloadFailed, MediaUrlRefused } from './errors';
import { fetchMedia } from './fetch-file';
import { extensionFor, mediaObjectKey } from './object-key';
import { freshMediaUrl } from './refresh-url';

/** A chunk returns to the workflow after this long (as sync's), so progress stays fresh. */
const CHUNK_BUDGET_MS = 30_000;
/** Tries per file within one activity (transient failures), with backoff between them. */
const TRIES_PER_FILE = 3;
const BACKOFF_MS = 500;
const ORPHAN_BATCH = 500;
const VERIFY_BATCH = 100;

interface ChunkHeartbeat {
  after: string | null;
  totals: MediaTotals;
}

export function createMediaActivities(runtime: Runtime, resources = new MediaResources(runtime)) {
  runtime.onClose(() => resources.close());
  return {
    /** Whether the resource downloads media files (read by the workflows from config, which they cannot read). */
    async mediaEnabled(input: { source: string; resource: string }): Promise<boolean> {
      return mediaConfigOf(runtime, input.source, input.resource) !== null;
    },

    async removeOrphanMedia(input: MediaChunkInput): Promise<MediaChunkResult> {
      const ctx = await mediaContext(runtime, resources, input, 'media');
      return chunkLoop(input, async (after, totals) => {
        const orphans = await ctx.ledgers.readOrphans(after, ORPHAN_BATCH);
        if (orphans.length === 0) return { after, done: true };
        // Files first, rows after: a crash in between leaves a row whose file is already gone,
        // and the next sweep deletes it again (absent keys are ignored).
        await ctx.store.delete(orphans.map((o) => o.objectKey).filter((k): k is string => k !== null));
        await ctx.ledgers.deleteRows(orphans.map((o) => o.mediaKey));
        totals.removed += orphans.filter((o) => o.objectKey !== null).length;
        ctx.log.info({ removed: orphans.length }, 'media files of deleted Media rows removed');
        return { after: orphans[orphans.length - 1]!.mediaKey, done: orphans.length < ORPHAN_BATCH };
      });
    },

    async verifyMediaFiles(input: MediaChunkInput): Promise<MediaChunkResult> {
      const ctx = await mediaContext(runtime, resources, input, 'reconcile');
      return chunkLoop(input, async (after, totals) => {
        const stored = await ctx.ledgers.readStored(after, VERIFY_BATCH);
        if (stored.length === 0) return { after, done: true };
        const missing: string[] = [];
        const corrupt: { mediaKey: string; objectKey: string }[] = [];
        await eachConcurrently(stored, ctx.media.concurrency, async (row) => {
          const found = await ctx.store.head(row.objectKey, { verify: true });
          if (!found) missing.push(row.mediaKey);
          else if (found.sha256 !== row.sha256 || found.size !== row.size) corrupt.push(row);
        });
        if (corrupt.length > 0) await ctx.store.delete(corrupt.map((c) => c.objectKey));
        await ctx.ledgers.markMissing(missing, 'reconcile: file missing from the store');
        await ctx.ledgers.markMissing(
          corrupt.map((c) => c.mediaKey),
          'reconcile: stored file does not match its checksum',
        );
        totals.verified += stored.length;
        totals.missing += missing.length;
        totals.corrupt += corrupt.length;
        if (missing.length + corrupt.length > 0)
          ctx.log.warn({ missing: missing.length, corrupt: corrupt.length }, 'media files to fetch again');
        return { after: stored[stored.length - 1]!.mediaKey, done: stored.length < VERIFY_BATCH };
      });
    },

    async downloadMediaFiles(input: MediaChunkInput): Promise<MediaChunkResult> {
      const ctx = await mediaContext(runtime, resources, input, 'media');
      return chunkLoop(input, async (after, totals) => {
        const pending = await ctx.ledgers.readPending(after, ctx.media.batchSize, ctx.media.maxAttempts);
        if (pending.length === 0) return { after, done: true };
        await eachConcurrently(pending, ctx.media.concurrency, async (m) => {
          const outcome = await downloadOne(runtime, ctx, m);
          if ('error' in outcome) {
            totals.failed += 1;
          } else {
            totals.downloaded += 1;
            totals.bytes += outcome.bytes;
          }
          if (outcome.refreshed) totals.refreshed += 1;
        });
        ctx.log.info({ files: pending.length, totals }, 'media batch done');
        return { after: pending[pending.length - 1]!.mediaKey, done: pending.length < ctx.media.batchSize };
      });
    },
  };
}

/**
 * Runs batches until done or the time budget is used, heartbeating the cursor after each batch
 * (a retry resumes there) and every few seconds while one runs. A batch is the unit redone.
 */
async function chunkLoop(
  input: MediaChunkInput,
  batch: (after: string | null, totals: MediaTotals) => Promise<{ after: string | null; done: boolean }>,
): Promise<MediaChunkResult> {
  const resumed = activityInfo().heartbeatDetails as ChunkHeartbeat | undefined;
  let after = resumed?.after ?? input.after;
  const totals = resumed?.totals ?? emptyMediaTotals();
  const deadline = Date.now() + (input.chunkBudgetMs ?? CHUNK_BUDGET_MS);
  const alive = keepAlive(() => ({ after, totals }) satisfies ChunkHeartbeat);
  try {
    for (;;) {
      const result = await batch(after, totals);
      after = result.after;
      heartbeat({ after, totals } satisfies ChunkHeartbeat);
      if (result.done) return { after, done: true, totals };
      if (Date.now() > deadline) return { after, done: false, totals };
    }
  } finally {
    alive.stop();
  }
}

type Outcome = { bytes: number; refreshed: boolean } | { error: string; refreshed: boolean };

/** One file: download, store, record; an expired URL is replaced once; transient failures are tried again. */
async function downloadOne(runtime: Runtime, ctx: MediaContext, m: PendingMedia): Promise<Outcome> {
  let url = m.url;
  let refreshed = false;
  const authorization = await ctx.auth.header();
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetchMedia(url, {
        budget: ctx.budget,
        platform: ctx.src.platform,
        authorization,
        serviceRoot: ctx.src.config.url,
        timeoutMs: ctx.media.requestTimeoutMs,
        signal: ctx.signal,
      });
      const key = mediaObjectKey(ctx.resource.resource, m.parentKey, m.mediaKey, extensionFor(res.contentType, url));
      const stored = await ctx.store.put({ key, body: res.body, contentType: res.contentType, expectedSize: res.size });
      await ctx.ledgers.recordStored({
        mediaKey: m.mediaKey,
        parentKey: m.parentKey,
        objectKey: stored.key,
        location: stored.location,
        size: stored.size,
        contentType: stored.contentType,
        sha256: stored.sha256,
        timestamp: m.timestamp,
      });
      // A new content type lands under a new name: the old file would be an orphan.
      if (m.storedKey && m.storedKey !== stored.key) await ctx.store.delete([m.storedKey]);
      return { bytes: stored.size, refreshed };
    } catch (err) {
      // A rate limit stops the whole chunk: Temporal retries it after the wait the MLS asked for.
      if (err instanceof SourceRateLimited || ctx.signal.aborted) throw err;
      if (err instanceof MediaUrlRefused && !refreshed) {
        refreshed = true;
        const fresh = await freshMediaUrl(runtime, ctx, m);
        if (fresh) {
          ctx.log.info({ mediaKey: m.mediaKey, status: err.status }, 'media URL refused; using a fresh one');
          url = fresh;
          continue;
        }
      }
      const retryable = !(err instanceof MediaUrlRefused) && !(err instanceof MediaDownloadFailed && !err.retryable);
      if (retryable && attempt < TRIES_PER_FILE) {
        await sleep(BACKOFF_MS * 2 ** (attempt - 1), undefined, { signal: ctx.signal });
        continue;
      }
      const error = `${(err as Error).name}: ${(err as Error).message}`;
      ctx.log.warn({ mediaKey: m.mediaKey, error, attempts: m.attempts + 1 }, 'media download failed');
      await ctx.ledgers.recordFailure(m, error);
      return { error, refreshed };
    }
  }
}

async function eachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(lanes);
}
