/**
 * The dashboard's JSON API as types: the server builds these values, the React app reads them
 * (type-only import), so a renamed field breaks the type check on both sides at once.
 * Pure types: nothing here may import Node or browser code.
 */

import type { CountVerdict } from '../../worker/inspect/count-verdict';

export type { CountVerdict };
export type Process = 'sync' | 'purge' | 'reconcile';
export type Outcome = 'running' | 'succeeded' | 'failed';

export interface ErrorResponse {
  statusCode: number;
  error: string;
}

export interface MetaResponse {
  version: string;
  temporal: { namespace: string; taskQueue: string; uiUrl: string };
  /** True when mutating calls need `Authorization: Bearer <token>` (bound to a non-loopback address). */
  tokenRequired: boolean;
  sources: SourceSummary[];
}

export interface SourceSummary {
  name: string;
  platform: string;
  /** Scheme and host of the MLS, never a path, query or credentials. */
  origin: string | null;
  resources: string[];
  destinations: string[];
  /** Processes with a cron in the config. */
  scheduled: Process[];
}

export interface LastRun {
  runId: string;
  workflowId: string;
  resource: string;
  process: Process;
  outcome: Outcome;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  downloaded: number;
  upserted: number;
  deleted: number;
  rejected: number;
  /** The media files step; null when the run kept no files. */
  media: RunMedia | null;
  temporalUrl: string;
}

/** What a run's media files step did: files stored, their bytes, failed downloads. */
export interface RunMedia {
  files: number;
  bytes: number;
  failed: number;
}

/** One process of one source on the overview: its newest run over all resources. */
export interface ProcessStatus {
  process: Process;
  last: {
    startedAt: string;
    finishedAt: string | null;
    /** failed when any resource's newest run failed; running when any still runs. */
    outcome: Outcome;
    error: string | null;
    resources: number;
    failedResources: string[];
    temporalUrl: string;
  } | null;
  nextRun: string | null;
  paused: boolean | null;
}

export interface RetryState {
  activity: string;
  attempt: number;
  lastFailure: string | null;
  lastFailureAt: string | null;
}

export interface RunningWorkflow {
  workflowId: string;
  runId: string;
  workflowType: string;
  source: string | null;
  resource: string | null;
  process: Process | null;
  startedAt: string;
  temporalUrl: string;
  progress: {
    phase: string;
    records: number;
    pages: number;
    expectedTotal: number | null;
    /** 0–100 when the total is known. */
    percent: number | null;
    recordsPerSecond: number | null;
    etaSeconds: number | null;
    /** sync counts records; purge and reconcile count keys first, then compare. */
    unit: 'records' | 'keys';
    /** purge/reconcile: the destination in hand and what was found there. */
    detail: string | null;
  } | null;
  /** runSource only: the resource in progress and how many are done. */
  current?: { resource: string | null; done: number; total: number | null };
  /** Set when an activity of the run is on its second or later attempt. */
  retry: RetryState | null;
  /** No worker answered the run's query: is a worker running on the task queue? */
  unanswered?: boolean;
}

export interface RunningResponse {
  generatedAt: string;
  workflows: RunningWorkflow[];
}

export interface DestinationCount {
  name: string;
  count: number | null;
  newest: string | null;
  /** When this destination was counted; null when it could not be. */
  countedAt: string | null;
  /** MLS count minus this count, when positive (0 when in step or too many; null when not compared). */
  missing: number | null;
  /** This count minus the MLS count, when positive. */
  extra: number | null;
  /** in step / missing N / too many N, exactly as `resync status` words it (worker/inspect/count-verdict.ts). */
  verdict: CountVerdict;
  error?: string;
}

/** An expanded navigation's child table (e.g. PropertyMedia): rows per destination; the MLS has no count of them. */
export interface ChildCounts {
  /** The table's resource name: `<Resource><Navigation>`. */
  resource: string;
  navigation: string;
  destinations: { name: string; count: number | null; countedAt: string | null; error?: string }[];
}

export interface ResourceCounts {
  resource: string;
  /** `countedAt`: when the MLS was asked (its counts are kept longer than the destinations'). */
  mls: { count: number | null; newest: string | null; countedAt: string | null; error?: string };
  destinations: DestinationCount[];
  children: ChildCounts[];
  /** When the newest run of this resource ended: counts from before it are retaken. */
  lastRunEndedAt: string | null;
}

export interface CountsResponse {
  source: string;
  /** When the last check finished; null while the first check is still going. */
  checkedAt: string | null;
  /**
   * match: every destination holds as many rows as the MLS reports; checking: counting, or
   * recounting because a run ended after the counts were taken.
   */
  status: 'match' | 'mismatch' | 'unknown' | 'checking';
  resources: ResourceCounts[];
}

export interface OverviewCard {
  source: string;
  platform: string;
  processes: ProcessStatus[];
  running: RunningWorkflow[];
  counts: CountsResponse;
}

export interface OverviewResponse {
  generatedAt: string;
  /** Set when Temporal could not be asked: running work and schedules are then missing. */
  temporalError: string | null;
  cards: OverviewCard[];
}

export interface ScheduleInfo {
  scheduleId: string;
  source: string;
  process: Process;
  /** From the config; null for a schedule made by hand or no longer in the config. */
  cron: string | null;
  timeZone: string | null;
  exists: boolean;
  paused: boolean;
  note: string | null;
  nextRuns: string[];
  lastAction: { workflowId: string; runId: string; takenAt: string; temporalUrl: string } | null;
  /** Median of recent finished runs of this source and process; null without history. */
  typicalDurationMs: number | null;
  temporalUrl: string;
}

export interface SchedulesResponse {
  generatedAt: string;
  schedules: ScheduleInfo[];
}

export interface TimelineBar {
  scheduleId: string;
  start: string;
  end: string;
  /** Whether the duration is guessed (no finished run to learn from). */
  estimated: boolean;
  /** Schedules of the same source (or this one's next run) this run would overlap. */
  overlaps: string[];
}

/**
 * Two runs at once that matter: a schedule's run into its own next run (overlap Skip drops it),
 * or two processes of one source (they share its MLS rate limits). Other sources' runs coinciding
 * are harmless and not listed.
 */
export interface TimelineOverlap {
  a: string;
  b: string;
  start: string;
  end: string;
  kind: 'own-next-run' | 'same-source';
  reason: string;
}

export interface TimelineResponse {
  from: string;
  to: string;
  bars: TimelineBar[];
  overlaps: TimelineOverlap[];
}

export interface SourceResponse {
  /** Set when Temporal could not be asked: running work and schedules are then missing. */
  temporalError: string | null;
  source: SourceSummary;
  schedules: ScheduleInfo[];
  lastRuns: LastRun[];
  running: RunningWorkflow[];
}

export interface RunDestination {
  destination: string;
  upserted: number;
  deleted: number;
  rejected: number;
  rowsAfter: number | null;
  highWaterMark: string | null;
}

export interface RunRow {
  runId: string;
  parentRunId: string | null;
  workflowId: string;
  source: string;
  resource: string;
  process: Process;
  outcome: Outcome;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  pages: number;
  downloaded: number;
  upserted: number;
  deleted: number;
  rejected: number;
  expectedTotal: number | null;
  highWaterMark: string | null;
  /** The media files step; null when the run kept no files. */
  media: RunMedia | null;
  destinations: RunDestination[];
  temporalUrl: string;
  /** For a run the history calls running: whether Temporal agrees (a killed worker's run may not). */
  stale?: boolean;
}

export interface RunsPage {
  page: number;
  pageSize: number;
  total: number;
  runs: RunRow[];
}

export interface RejectRow {
  destination: string;
  recordKey: string;
  field: string | null;
  reason: string;
  createdAt: string;
}

export interface RunDetail extends RunRow {
  rejects: RejectRow[];
  rejectsTotal: number;
}

export interface ChartPoint {
  runId: string;
  resource: string;
  process: Process;
  outcome: Outcome;
  startedAt: string;
  durationMs: number | null;
  downloaded: number;
  upserted: number;
}

export interface ChartResponse {
  points: ChartPoint[];
}

export interface FieldDiff {
  field: string;
  /** The MLS value as the destination column would store it, as text (`rejected: …` when it cannot). */
  mls: string | null;
  /** Per destination that holds the row: its value (the MLS value where it is equal). */
  destinations: Record<string, string | null>;
  /** Destinations whose value differs from the MLS. */
  differs: string[];
}

/** From worker/inspect/record.ts (`resync record`), which the lookup reuses. */
export type RecordState = 'identical' | 'different' | 'missing' | 'stale' | 'skipped' | 'error';

export interface RecordLookupResponse {
  source: string;
  resource: string;
  key: string;
  inMls: boolean;
  destinations: { name: string; table: string | null; state: RecordState; equal: number; differences: number; error?: string }[];
  /** Every field that differs in some destination. */
  fields: FieldDiff[];
}

export interface ControlResponse {
  ok: boolean;
  /** Run now only: skipped when the process is still running for the source (nothing was started). */
  outcome?: 'started' | 'skipped';
  message: string;
  scheduleId?: string;
  workflowId?: string;
  temporalUrl?: string;
  paused?: boolean;
}
