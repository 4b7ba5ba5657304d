/**
 * The steps purge and reconcile share: prepare, download the keys in chunks, verify them, compare
 * them with each destination in chunks, record the run, and remove the staging whatever happens.
 * The run's whole state is one serialisable value (KeyRunState): continue-as-new carries it, and
 * every step skips itself when the carried state is already past it.
 */
import {
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  defineQuery,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { NON_RETRYABLE_ERRORS, SEARCH_ATTRIBUTES } from './names';
import { chunkOptions, CLEANUP_OPTIONS, FINISH_OPTIONS, prepareOptions } from './activity-options';
import { failedActivityDetails } from './chunk-failure';
import type {
  DestinationOutcome,
  FetchTotals,
  KeyProcess,
  KeyRunInput,
  KeyRunPhase,
  KeyRunProgress,
  KeyRunResult,
  KeyRunState,
  VerifyKeysResult,
} from './key-types';
import type { SyncTotals } from './types';

/** The `progress` query of purgeResource and reconcileResource. */
export const keyRunProgressQuery = defineQuery<KeyRunProgress>('progress');

/** Failures a retry cannot fix, besides the shared ones. */
const KEY_RUN_NON_RETRYABLE = [...NON_RETRYABLE_ERRORS, 'KeyRunUnsupported', 'KeyOrderError', 'StagingMissing'];

const PREPARE_OPTIONS = prepareOptions(KEY_RUN_NON_RETRYABLE);

const CHUNK_OPTIONS = chunkOptions(KEY_RUN_NON_RETRYABLE);

type Activities = ReturnType<typeof createActivities>;
const { prepareKeyRun, verifyKeys } = proxyActivities<Activities>(PREPARE_OPTIONS);
export const chunkActivities = proxyActivities<Activities>(CHUNK_OPTIONS);
const { dropStaging, dropAbandonedStaging } = proxyActivities<Activities>(CLEANUP_OPTIONS);
const { finishRun } = proxyActivities<Activities>(FINISH_OPTIONS);
export { CHUNK_OPTIONS };

export class KeyRun {
  readonly progress: KeyRunProgress;
  private stateValue: KeyRunState | undefined;
  /** Chunks run by this workflow run (not the chain): history grows with them. */
  private chunks = 0;

  constructor(
    readonly process: KeyProcess,
    readonly input: KeyRunInput,
  ) {
    this.stateValue = input.carry;
    this.progress = {
      process,
      phase: 'preparing',
      source: input.source,
      resource: input.resource,
      startedAt: input.carry?.startedAt ?? null,
      keysStaged: 0,
      expected: null,
      destination: null,
      deleted: 0,
      missing: 0,
      stale: 0,
      restored: 0,
      byDestination: {},
      refusal: null,
      warning: null,
    };
    if (input.carry) this.refreshProgress();
    setHandler(keyRunProgressQuery, () => this.progress);
  }

  get state(): KeyRunState {
    if (!this.stateValue) throw new Error('the run is not prepared yet');
    return this.stateValue;
  }

  /** Runs the process's own steps between prepare and the run's record; staging goes in any case. */
  async execute(steps: () => Promise<void>): Promise<KeyRunResult> {
    const info = workflowInfo();
    // The stats and staging rows are keyed by the first run of the chain, so continue-as-new keeps them.
    const runId = this.stateValue?.runId ?? info.firstExecutionRunId;
    let continuing = false;
    try {
      if (!this.stateValue) await this.prepare(runId);
      await steps();
      this.setPhase('finishing');
      await finishRun(this.finishInput('succeeded'));
      this.setPhase('done');
      return this.result();
    } catch (err) {
      if (isContinueAsNew(err)) {
        continuing = true;
        throw err;
      }
      const refused = failureType(err) === 'PurgeRefused';
      // What the failed chunk had committed counts in the run's record.
      if (this.stateValue) this.absorbFailedChunk(err);
      this.setPhase(refused ? 'refused' : 'failed');
      await CancellationScope.nonCancellable(() => finishRun(this.finishInput('failed', describeFailure(err))));
      throw err;
    } finally {
      if (!continuing) {
        await CancellationScope.nonCancellable(() =>
          dropStaging.executeWithOptions({ ...CLEANUP_OPTIONS, summary: `remove the staging of run ${runId}` }, [{ runId }]),
        );
      }
    }
  }

  /** Adds what a failed chunk committed (from its failure's details or last heartbeat) to the state. */
  private absorbFailedChunk(err: unknown): void {
    const failed = failedActivityDetails(err);
    const s = this.stateValue;
    if (!failed || !s || typeof failed.details !== 'object') return;
    const d = failed.details as Record<string, unknown>;
    const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
    if (failed.activityType === 'downloadKeys' && s.step === 'download') {
      s.download = {
        ...s.download,
        pages: s.download.pages + (count(d.pages) ?? 0),
        received: s.download.received + (count(d.received) ?? 0),
      };
    } else if (failed.activityType === 'deleteKeys' && s.step === 'act') {
      const destination = s.destinations[s.current];
      const deleted = count(d.deleted);
      if (destination !== undefined && deleted !== undefined && s.outcomes[destination]) s.outcomes[destination].deleted = deleted;
    } else if (failed.activityType === 'fetchKeys' && s.step === 'act') {
      const totals = d.totals as FetchTotals | undefined;
      if (totals && typeof totals === 'object' && count(totals.fetched) !== undefined && totals.byDestination) {
        s.fetch = totals;
        for (const [name, t] of Object.entries(totals.byDestination)) {
          const outcome = s.outcomes[name];
          if (outcome && count(t.upserted) !== undefined) Object.assign(outcome, { upserted: t.upserted, rejected: t.rejected });
        }
      }
    }
    this.refreshProgress();
  }

  private async prepare(runId: string): Promise<void> {
    const info = workflowInfo();
    const { source, resource, parentRunId } = this.input;
    // Staging left by runs whose workers vanished; cheap when there is none.
    await dropAbandonedStaging.executeWithOptions({ ...CLEANUP_OPTIONS, summary: 'remove staging of abandoned runs' }, []);
    const prepared = await prepareKeyRun.executeWithOptions(
      { ...PREPARE_OPTIONS, summary: `${this.process} of ${source}/${resource}: schema, staging and window` },
      [{ process: this.process, source, resource, runId, workflowId: info.workflowId, ...(parentRunId ? { parentRunId } : {}) }],
    );
    this.stateValue = {
      runId,
      startedAt: prepared.startedAt,
      upperBound: prepared.upperBound,
      destinations: prepared.destinations,
      limits: prepared.limits,
      step: 'download',
      download: { pass: 'window', cursor: null, nextLink: null, expected: null, pages: 0, received: 0 },
      verified: null,
      current: 0,
      compare: null,
      actAfter: null,
      fetch: { requested: 0, fetched: 0, byDestination: {} },
      outcomes: Object.fromEntries(prepared.destinations.map((d) => [d, emptyOutcome()])),
    };
    this.refreshProgress();
  }

  /** Every key (and, for reconcile, timestamp) into staging, a chunk at a time. */
  async downloadKeys(): Promise<void> {
    const s = this.state;
    const { source, resource } = this.input;
    while (s.step === 'download') {
      this.setPhase('downloading');
      const d = s.download;
      const where = d.cursor ? `after ${d.cursor.timestamp} ${d.cursor.key}`.trim() : 'from the start';
      const chunk = await chunkActivities.downloadKeys.executeWithOptions(
        { ...CHUNK_OPTIONS, summary: `${this.process} keys of ${source}/${resource}, ${d.pass} pass ${where}` },
        [
          {
            process: this.process,
            source,
            resource,
            runId: s.runId,
            upperBound: s.upperBound,
            position: { pass: d.pass, cursor: d.cursor, nextLink: d.nextLink },
            expected: d.expected,
            ...this.budget(),
          },
        ],
      );
      s.download = { ...chunk.position, expected: chunk.expected, pages: d.pages + chunk.pages, received: d.received + chunk.received };
      if (chunk.done) s.step = 'verify';
      this.refreshProgress();
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.records, value: s.download.received }]);
      await this.checkpoint();
    }
  }

  /** Counts the staged keys and checks them against `@odata.count`. */
  async verifyKeys(): Promise<VerifyKeysResult> {
    const s = this.state;
    if (s.step === 'verify') {
      this.setPhase('verifying');
      s.verified = await verifyKeys.executeWithOptions(
        { ...PREPARE_OPTIONS, summary: `count the staged keys of ${this.input.source}/${this.input.resource}` },
        [
          {
            source: this.input.source,
            resource: this.input.resource,
            runId: s.runId,
            upperBound: s.upperBound,
            expected: s.download.expected,
          },
        ],
      );
      s.step = 'compare';
      s.current = 0;
      s.compare = null;
      this.refreshProgress();
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.records, value: s.verified.staged }]);
    }
    return s.verified!;
  }

  /** Compares the staged keys with every destination in turn. */
  async compareDestinations(listLimit: number | null): Promise<void> {
    const s = this.state;
    const { source, resource } = this.input;
    while (s.step === 'compare') {
      const destination = s.destinations[s.current];
      if (destination === undefined) {
        s.step = 'act';
        s.current = 0;
        s.actAfter = null;
        break;
      }
      this.setPhase('comparing', destination);
      const chunk = await chunkActivities.compareKeys.executeWithOptions(
        { ...CHUNK_OPTIONS, summary: `compare ${source}/${resource} with ${destination}` },
        [
          {
            process: this.process,
            source,
            resource,
            runId: s.runId,
            destination,
            upperBound: s.upperBound,
            position: s.compare,
            listLimit,
            ...this.budget(),
          },
        ],
      );
      s.compare = chunk.position;
      const { rows, extra, missing, stale } = chunk.position;
      Object.assign(s.outcomes[destination] ?? (s.outcomes[destination] = emptyOutcome()), { rows, extra, missing, stale });
      if (chunk.done) {
        s.current += 1;
        s.compare = null;
      }
      this.refreshProgress();
      await this.checkpoint();
    }
  }

  /** Fails the run with type PurgeRefused: nothing was deleted, and the reason says why. */
  refuse(reason: string): never {
    this.progress.refusal = reason;
    throw ApplicationFailure.create({ type: 'PurgeRefused', message: reason, nonRetryable: true });
  }

  warn(message: string): void {
    this.progress.warning = message;
    log.warn(message, { source: this.input.source, resource: this.input.resource });
  }

  setPhase(phase: KeyRunPhase, destination: string | null = null): void {
    this.progress.phase = phase;
    this.progress.destination = destination;
  }

  /** The chunk budget to pass to a chunked activity (only when the input tunes it). */
  budget(): { chunkBudgetMs?: number } {
    const ms = this.input.tuning?.chunkBudgetMs;
    return ms === undefined ? {} : { chunkBudgetMs: ms };
  }

  /** After a chunk: continues as new when the history grows long, carrying the whole state. */
  async checkpoint(): Promise<void> {
    this.chunks += 1;
    if (workflowInfo().continueAsNewSuggested || this.chunks >= (this.input.tuning?.chunksPerRun ?? 1000)) {
      await continueAsNew<(input: KeyRunInput) => Promise<KeyRunResult>>({ ...this.input, carry: this.state });
    }
  }

  refreshProgress(): void {
    const s = this.state;
    const p = this.progress;
    p.startedAt = s.startedAt;
    p.keysStaged = s.verified?.staged ?? s.download.received;
    p.expected = s.download.expected;
    p.byDestination = s.outcomes;
    const all = Object.values(s.outcomes);
    p.deleted = sum(all.map((o) => o.deleted));
    p.missing = sum(all.map((o) => o.missing));
    p.stale = sum(all.map((o) => o.stale));
    p.restored = s.fetch.fetched;
  }

  private result(): KeyRunResult {
    const p = this.progress;
    return {
      runId: this.state.runId,
      process: this.process,
      keysStaged: p.keysStaged,
      expected: p.expected,
      deleted: p.deleted,
      missing: p.missing,
      stale: p.stale,
      restored: p.restored,
      byDestination: this.state.outcomes,
    };
  }

  private finishInput(outcome: 'succeeded' | 'failed', error?: string) {
    const info = workflowInfo();
    const s = this.stateValue;
    const outcomes = Object.entries(s?.outcomes ?? {});
    const totals: SyncTotals = {
      pages: s?.download.pages ?? 0,
      downloaded: this.progress.keysStaged,
      // As sync counts them: what every destination received, and the most any one lost.
      upserted: outcomes.length ? Math.min(...outcomes.map(([, o]) => o.upserted)) : 0,
      deleted: outcomes.length ? Math.max(...outcomes.map(([, o]) => o.deleted)) : 0,
      rejected: outcomes.length ? Math.max(...outcomes.map(([, o]) => o.rejected)) : 0,
      byDestination: Object.fromEntries(
        outcomes.map(([name, o]) => [name, { upserted: o.upserted, deleted: o.deleted, rejected: o.rejected }]),
      ),
    };
    return {
      runId: s?.runId ?? info.firstExecutionRunId,
      ...(this.input.parentRunId ? { parentRunId: this.input.parentRunId } : {}),
      source: this.input.source,
      resource: this.input.resource,
      process: this.process,
      workflowId: info.workflowId,
      startedAt: s?.startedAt ?? new Date(info.startTime).toISOString(),
      outcome,
      ...(error ? { error } : {}),
      totals,
      expectedTotal: s?.download.expected ?? null,
      highWaterMark: null,
      ...(s?.media ? { media: s.media } : {}),
    };
  }
}

export function emptyOutcome(): DestinationOutcome {
  return { rows: 0, extra: 0, missing: 0, stale: 0, deleted: 0, upserted: 0, rejected: 0 };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function isContinueAsNew(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: string }).name === 'ContinueAsNew';
}

function innermost(err: unknown): unknown {
  let current: unknown = err;
  while (current && typeof current === 'object' && 'cause' in current && (current as { cause?: unknown }).cause) {
    current = (current as { cause: unknown }).cause;
  }
  return current;
}

function failureType(err: unknown): string | undefined {
  const inner = innermost(err);
  return inner instanceof ApplicationFailure ? (inner.type ?? undefined) : undefined;
}

/** The innermost cause is the one a person can act on ("activity task failed" is not). */
function describeFailure(err: unknown): string {
  const current = innermost(err);
  if (current instanceof ApplicationFailure && current.type) return `${current.type}: ${current.message}`;
  return current instanceof Error ? current.message : String(current);
}
