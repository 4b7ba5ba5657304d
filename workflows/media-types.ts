/**
 * Inputs and results of media file downloads (workflow syncMediaFiles and its activities). Only
 * counts, keys and cursors: the files themselves never travel through Temporal. Pure.
 */
import type { ProcessName } from './names';

export interface MediaTotals {
  /** Files downloaded and stored. */
  downloaded: number;
  /** Bytes of those files. */
  bytes: number;
  /** Files whose download failed (recorded with their error; tried again on a later run). */
  failed: number;
  /** Expired or refused URLs replaced by a fresh one from the MLS. */
  refreshed: number;
  /** Files deleted because their Media row is gone (purged listings, removed photos). */
  removed: number;
  /** Stored files reconcile checked, and those it found missing or corrupt (then downloaded again). */
  verified: number;
  missing: number;
  corrupt: number;
}

export function emptyMediaTotals(): MediaTotals {
  return { downloaded: 0, bytes: 0, failed: 0, refreshed: 0, removed: 0, verified: 0, missing: 0, corrupt: 0 };
}

export function addMediaTotals(a: MediaTotals, b: MediaTotals): MediaTotals {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof MediaTotals)[]) out[k] += b[k] ?? 0;
  return out;
}

export interface MediaFilesInput {
  source: string;
  resource: string;
  /** What the files follow: sync downloads (after removing orphans), purge removes, reconcile verifies and downloads. */
  process: ProcessName;
  /** The run that started it, for logs and the run history. */
  parentRunId?: string;
  /** Carried over continue-as-new. */
  carry?: { step: MediaStep; after: string | null; totals: MediaTotals };
}

export type MediaStep = 'orphans' | 'verify' | 'download' | 'done';

export interface MediaChunkInput {
  source: string;
  resource: string;
  after: string | null;
  /** Tests: a shorter time budget per chunk. */
  chunkBudgetMs?: number;
}

export interface MediaChunkResult {
  after: string | null;
  done: boolean;
  totals: MediaTotals;
}
