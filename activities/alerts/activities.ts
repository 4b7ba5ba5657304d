/**
 * applyFailurePolicy: called by runSource when it ends. After `pauseAfterFailures` failed runs in a
 * row it pauses the process's schedule with a note saying why and sends an alert; the first success
 * after that sends a recovery alert (and lifts the pause resync made). Reads the run history from
 * the control DB, so it works the same whichever worker runs it.
 */
import { ScheduleNotFoundError } from '@temporalio/client';
import type { Runtime } from '../runtime';
import { recentSourceRuns } from '../stats/history';
import { scheduleId, type ProcessName } from '../../workflows/names';
import type { ResourceOutcome } from '../../workflows/types';
import { workflowUiUrl } from '../../worker/temporal';
import { deliverAlert, type Delivery } from './deliver';
import type { Alert } from './message';
import { decide, FAILURE_PAUSE_PREFIX, type PolicyDecision } from './policy';

export const DEFAULT_PAUSE_AFTER_FAILURES = 3;

export interface FailurePolicyInput {
  source: string;
  process: ProcessName;
  runId: string;
  workflowId: string;
  outcome: 'succeeded' | 'failed';
  outcomes: ResourceOutcome[];
}

export interface FailurePolicyResult {
  decision: PolicyDecision['action'];
  schedule: Alert['schedule'];
  deliveries: Delivery[];
}

/** Notes are shown in one line in the Web UI and the CLI: keep each error short. */
const ERROR_CHARS = 300;

export function createAlertActivities(runtime: Runtime) {
  return {
    async applyFailurePolicy(input: FailurePolicyInput): Promise<FailurePolicyResult> {
      const log = runtime.source(input.source).logger.child({ process: input.process, workflowId: input.workflowId });
      const threshold = runtime.config.sources[input.source]?.schedules?.pauseAfterFailures ?? DEFAULT_PAUSE_AFTER_FAILURES;
      const stats = await runtime.statsStore();
      // A few more than the threshold, so an alert can say how long the streak really is.
      const runs = await recentSourceRuns(stats.pool, input.source, input.process, threshold + 20);
      const id = scheduleId(input.source, input.process);
      const handle = (await runtime.temporalClient()).schedule.getHandle(id);
      const current = await handle.describe().catch((err: unknown) => {
        if (!(err instanceof ScheduleNotFoundError))
          log.warn({ scheduleId: id, error: (err as Error).message }, 'cannot read the schedule');
        return undefined;
      });
      const schedule = current ? { paused: current.state.paused, note: current.state.note || null } : null;
      const decision = decide({ history: runs.map((r) => r.outcome), threshold, schedule });
      if (decision.action === 'none') return { decision: 'none', schedule: scheduleState(schedule), deliveries: [] };

      const errors = input.outcomes
        .filter((o) => o.outcome === 'failed')
        .map((o) => ({ resource: o.resource, error: (o.error ?? 'failed').slice(0, ERROR_CHARS) }));
      const at = new Date().toISOString();
      let state = scheduleState(schedule);
      let note = schedule?.note ?? null;
      if (decision.action === 'alert failing' && decision.pause) {
        note = `${FAILURE_PAUSE_PREFIX} ${decision.streak} failed ${input.process} runs in a row (last ${input.workflowId} at ${at}): ${
          errors.map((e) => `${e.resource}: ${e.error}`).join('; ') || 'see the run'
        }`;
        await handle.pause(note);
        state = 'paused';
        log.warn({ scheduleId: id, streak: decision.streak }, 'schedule paused after consecutive failures');
      } else if (decision.action === 'alert recovered' && decision.resume) {
        note = `resumed by resync at ${at}: ${input.workflowId} succeeded after ${decision.streak} failed runs`;
        await handle.unpause(note);
        state = 'resumed';
        log.info({ scheduleId: id, streak: decision.streak }, 'schedule resumed after a successful run');
      }
      const alert: Alert = {
        kind: decision.action === 'alert failing' ? 'failing' : 'recovered',
        source: input.source,
        process: input.process,
        consecutiveFailures: decision.streak,
        scheduleId: id,
        schedule: state,
        note,
        errors: decision.action === 'alert failing' ? errors : [],
        workflowId: input.workflowId,
        runId: input.runId,
        link: workflowUiUrl(runtime.config, input.workflowId, input.runId),
        at,
      };
      const deliveries = await deliverAlert(runtime.config.alerts, alert, log);
      return { decision: decision.action, schedule: state, deliveries };
    },
  };
}

function scheduleState(schedule: { paused: boolean } | null): Alert['schedule'] {
  if (!schedule) return 'none';
  return schedule.paused ? 'already paused' : 'active';
}
