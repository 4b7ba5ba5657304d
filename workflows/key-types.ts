/**
 * Values that cross the Temporal boundary for purge and reconcile: names, cursors and counts only.
 * Keys themselves stay in the control database's staging tables.
 */
import type { MediaTotals } from './media-types';
import type { SyncCursor } from '../activities/destinations/destination';
import type { SyncTuning } from './types';

export type KeyProcess = 'purge' | 'reconcile';

export interface KeyRunInput {
  source: string;
  resource: string;
  /** The runSource run that started this one, for the stats. */
  parentRunId?: string;
  /** Chunking knobs, as sync's; the defaults suit production (tests make them small). */
  tuning?: SyncTuning;
  /** Set only by continue-as-new: the state of the run so far. */
  carry?: KeyRunState;
}

/** Purge's limits for one resource (config `purge`, defaults applied). */
export interface PurgeLimits {
  maxDeletes: number;
  maxDeletePercent: number;
  deleteBatchSize: number;
}

export interface PrepareKeyRunInput {
  process: KeyProcess;
  source: string;
  resource: string;
  runId: string;
  workflowId: string;
  parentRunId?: string;
}

export interface PrepareKeyRunResult {
  startedAt: string;
  /** The key download's window ends here; the tail pass covers what changed after it. */
  upperBound: string;
  destinations: string[];
  limits: PurgeLimits;
}

/**
 * Where the key download stands. `window`: every key with a cursor up to the run's upper bound
 * (what `@odata.count` counts). `tail`: keys modified since, so that a record that moved out of the
 * window while it was being read is not taken for deleted.
 */
export interface KeyDownloadPosition {
  pass: 'window' | 'tail';
  cursor: SyncCursor | null;
  nextLink: string | null;
}

export interface DownloadKeysInput {
  process: KeyProcess;
  source: string;
  resource: string;
  runId: string;
  upperBound: string;
  position: KeyDownloadPosition;
  /** `@odata.count` of the window once known (asked on the first request). */
  expected: number | null;
  /** How long the chunk runs before returning to the workflow (default 30 s). */
  chunkBudgetMs?: number;
}

export interface DownloadKeysResult {
  position: KeyDownloadPosition;
  done: boolean;
  expected: number | null;
  /** Pages and keys received by this chunk (a key may arrive twice; staging keeps one). */
  pages: number;
  received: number;
}

export interface VerifyKeysInput {
  source: string;
  resource: string;
  runId: string;
  upperBound: string;
  expected: number | null;
}

export interface VerifyKeysResult {
  /** Distinct keys staged (window and tail). */
  staged: number;
  /** Distinct keys the window pass delivered: what `@odata.count` is checked against. */
  windowStaged: number;
  expected: number | null;
  /** The window counted again after the download, when the first count was not reached. */
  recount: number | null;
  /** Why the staged keys cannot be trusted as the MLS's full key set; null when they can. */
  problem: string | null;
}

/** Where one destination's comparison stands; the counts cover every key up to `after`. */
export interface ComparePosition {
  /** `copy`: a keyMapping destination's keys are being staged in MLS form first. */
  stage: 'copy' | 'merge';
  after: string | null;
  /** Rows of the destination seen. */
  rows: number;
  /** Keys only the destination has, with a cursor not after the upper bound (purge deletes these). */
  extra: number;
  missing: number;
  stale: number;
}

export interface CompareKeysInput {
  process: KeyProcess;
  source: string;
  resource: string;
  runId: string;
  destination: string;
  upperBound: string;
  position: ComparePosition | null;
  /** Purge: differences beyond this many are counted but not listed (the run will refuse). */
  listLimit: number | null;
  /** How long the chunk runs before returning to the workflow (default 30 s). */
  chunkBudgetMs?: number;
}

export interface CompareKeysResult {
  position: ComparePosition;
  done: boolean;
}

export interface DeleteKeysInput {
  source: string;
  resource: string;
  runId: string;
  destination: string;
  upperBound: string;
  after: string | null;
  batchSize: number;
  /** How long the chunk runs before returning to the workflow (default 30 s). */
  chunkBudgetMs?: number;
}

export interface DeleteKeysResult {
  after: string | null;
  done: boolean;
  /** Rows deleted from this destination by this run so far (exact across retries). */
  deleted: number;
}

export interface FetchKeysInput {
  source: string;
  resource: string;
  runId: string;
  after: string | null;
  totals: FetchTotals;
  /** How long the chunk runs before returning to the workflow (default 30 s). */
  chunkBudgetMs?: number;
}

export interface FetchTotals {
  /** Keys asked for again. */
  requested: number;
  /** Records the MLS returned. */
  fetched: number;
  /** Per destination: records written and rejected. */
  byDestination: Record<string, { upserted: number; rejected: number }>;
}

export interface FetchKeysResult {
  after: string | null;
  done: boolean;
  totals: FetchTotals;
}

/** Per destination: what the comparison found and what was done about it. */
export interface DestinationOutcome {
  rows: number;
  extra: number;
  missing: number;
  stale: number;
  deleted: number;
  upserted: number;
  rejected: number;
}

export type KeyRunStep = 'download' | 'verify' | 'compare' | 'act' | 'done';

/** The whole state of a run: what continue-as-new carries. */
export interface KeyRunState {
  runId: string;
  startedAt: string;
  upperBound: string;
  destinations: string[];
  limits: PurgeLimits;
  step: KeyRunStep;
  download: KeyDownloadPosition & { expected: number | null; pages: number; received: number };
  verified: VerifyKeysResult | null;
  /** Index into `destinations` of the one being compared or acted on. */
  current: number;
  compare: ComparePosition | null;
  /** Purge: the delete position in the current destination. Reconcile: the fetch position. */
  actAfter: string | null;
  fetch: FetchTotals;
  outcomes: Record<string, DestinationOutcome>;
  /** The media files step's totals, once it ran (resources that keep their files). */
  media?: MediaTotals;
}

export type KeyRunPhase =
  'preparing' | 'downloading' | 'verifying' | 'comparing' | 'deleting' | 'fetching' | 'finishing' | 'done' | 'failed' | 'refused';

/** Answer of the `progress` query of purgeResource and reconcileResource. */
export interface KeyRunProgress {
  process: KeyProcess;
  phase: KeyRunPhase;
  source: string;
  resource: string;
  startedAt: string | null;
  /** Keys received so far (before duplicates are removed), then the distinct count once verified. */
  keysStaged: number;
  /** `@odata.count` of the window. */
  expected: number | null;
  /** The destination being compared, purged or reconciled. */
  destination: string | null;
  deleted: number;
  missing: number;
  stale: number;
  /** Reconcile: records fetched again and written. */
  restored: number;
  byDestination: Record<string, DestinationOutcome>;
  /** Why purge refused, when it did. */
  refusal: string | null;
  /** Reconcile: a doubt about the key set that did not stop the run (a short download). */
  warning: string | null;
}

export interface KeyRunResult {
  runId: string;
  process: KeyProcess;
  keysStaged: number;
  expected: number | null;
  deleted: number;
  missing: number;
  stale: number;
  restored: number;
  byDestination: Record<string, DestinationOutcome>;
}
