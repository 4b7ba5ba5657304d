/**
 * Values that cross the Temporal boundary. Only names, cursors, counts and IDs: no MLS record
 * ever travels through workflow history (a payload is capped at 2 MB, a history at 50k events).
 */
import type { SyncCursor } from '../activities/destinations/destination';
import type { MediaTotals } from './media-types';

export interface SyncInput {
  source: string;
  resource: string;
  /** The runSource run that started this one, for the stats. */
  parentRunId?: string;
  /** Chunking knobs; the defaults suit production (tests make them small). */
  tuning?: SyncTuning;
  /** Set only by continue-as-new: the state of the run so far. */
  carry?: SyncCarry;
}

export interface SyncTuning {
  /** How long one syncPages activity runs before returning to the workflow (default 30 s). */
  chunkBudgetMs?: number;
  /** Chunks per workflow run before continuing as new, besides Temporal's own suggestion (default 1000). */
  chunksPerRun?: number;
  /** Retry policy of a chunk (failures in a row without progress), overriding the defaults. */
  chunkRetry?: ChunkRetryTuning;
}

export interface ChunkRetryTuning {
  maximumAttempts?: number;
  initialIntervalMs?: number;
  maximumIntervalMs?: number;
}

export interface SyncCarry {
  /** Stats row of this run; stays the same across continue-as-new. */
  runId: string;
  startedAt: string;
  upperBound: string;
  cursor: SyncCursor;
  /** nextLink paging: where the next chunk continues (null: a fresh window query from cursor). */
  nextLink?: string | null;
  expectedTotal: number | null;
  totals: SyncTotals;
  /** prepareSync's answer, carried to the run that finishes (absent: ask, as runs before it did). */
  mediaFiles?: boolean;
}

export interface SyncTotals {
  pages: number;
  downloaded: number;
  /** Records every destination holds from this run (the smallest destination count). */
  upserted: number;
  deleted: number;
  rejected: number;
  /** The same counts per destination. */
  byDestination?: Record<string, DestinationTotals>;
}

export interface DestinationTotals {
  upserted: number;
  deleted: number;
  rejected: number;
}

export interface PrepareSyncInput {
  source: string;
  resource: string;
  runId: string;
  workflowId: string;
  parentRunId?: string;
}

export interface PrepareSyncResult {
  /** Fixed at prepare time: the run replicates `cursor < (ts, key) ≤ upperBound`. */
  upperBound: string;
  /** Where to start; null means an empty destination (full load). */
  cursor: SyncCursor | null;
  /** `@odata.count` of the run's window when the platform reports one. */
  expectedTotal: number | null;
  startedAt: string;
  /**
   * Whether the resource downloads media files (config the workflow cannot read), so the run needs
   * no activity of its own to ask. Absent from results recorded before it existed.
   */
  mediaFiles?: boolean;
}

export interface SyncPagesInput {
  source: string;
  resource: string;
  runId: string;
  upperBound: string;
  cursor: SyncCursor | null;
  nextLink?: string | null;
  chunkBudgetMs?: number;
}

export interface SyncPagesResult {
  cursor: SyncCursor | null;
  nextLink: string | null;
  done: boolean;
  totals: SyncTotals;
  /**
   * Set when the chunk met a retryable failure after committing pages: it returns what it
   * committed, and the workflow goes on in a fresh activity (with a fresh retry budget).
   */
  interrupted?: ChunkInterruption;
}

export interface ChunkInterruption {
  /** `<type>: <message>` of the failure. */
  error: string;
  /** The MLS (or the request budget) asked to wait this long before the next request. */
  retryAfterMs?: number;
}

/** Details of a failed syncPages: what it had committed, over all its attempts. */
export interface ChunkFailureDetails {
  totals: SyncTotals;
  cursor: SyncCursor | null;
}

export interface FinishRunInput {
  runId: string;
  parentRunId?: string;
  source: string;
  resource: string;
  process: 'sync' | 'purge' | 'reconcile';
  workflowId: string;
  startedAt: string;
  outcome: 'succeeded' | 'failed';
  error?: string;
  totals: SyncTotals;
  expectedTotal: number | null;
  highWaterMark: string | null;
  /** The media files step's totals, when the resource keeps its files (see workflows/media.ts). */
  media?: MediaTotals;
}

/** Answer of the `progress` query, read by the CLI and the dashboard. */
export interface SyncProgress {
  phase: 'preparing' | 'downloading' | 'finishing' | 'done' | 'failed';
  source: string;
  resource: string;
  startedAt: string | null;
  pages: number;
  records: number;
  expectedTotal: number | null;
  cursor: SyncCursor | null;
  /** Chunks that met a failure after committing pages and were continued in a fresh one. */
  interruptions?: number;
  /** The last such failure. */
  lastInterruption?: string | null;
}

export function emptyTotals(): SyncTotals {
  return { pages: 0, downloaded: 0, upserted: 0, deleted: 0, rejected: 0 };
}

export function addTotals(a: SyncTotals, b: SyncTotals): SyncTotals {
  const byDestination: Record<string, DestinationTotals> = { ...a.byDestination };
  for (const [name, t] of Object.entries(b.byDestination ?? {})) {
    const prev = byDestination[name] ?? { upserted: 0, deleted: 0, rejected: 0 };
    byDestination[name] = { upserted: prev.upserted + t.upserted, deleted: prev.deleted + t.deleted, rejected: prev.rejected + t.rejected };
  }
  return {
    pages: a.pages + b.pages,
    downloaded: a.downloaded + b.downloaded,
    upserted: a.upserted + b.upserted,
    deleted: a.deleted + b.deleted,
    rejected: a.rejected + b.rejected,
    byDestination,
  };
}

export interface RunSourceInput {
  source: string;
  process: 'sync' | 'purge' | 'reconcile';
  /** Only these resources (default: all, in config order). */
  resources?: string[];
}

export interface ResourceOutcome {
  resource: string;
  workflowId: string;
  outcome: 'succeeded' | 'failed' | 'skipped';
  error?: string;
}

export interface RunSourceResult {
  source: string;
  process: 'sync' | 'purge' | 'reconcile';
  outcomes: ResourceOutcome[];
}

export interface SourceRunRecord {
  runId: string;
  workflowId: string;
  source: string;
  process: 'sync' | 'purge' | 'reconcile';
  startedAt: string;
  outcome: 'running' | 'succeeded' | 'failed';
  outcomes: ResourceOutcome[];
}
