import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pauseSchedules, resumeSchedules, ScheduleMissing, triggerSchedule } from '../../../worker/schedules';
import { workflowUiUrl } from '../../../worker/temporal';
import { manualRunWorkflowId, scheduleId, SEARCH_ATTRIBUTES } from '../../../workflows/names';
import { busyRuns } from '../../../worker/schedules/busy';
import type { RunSourceInput } from '../../../workflows/types';
import type { ControlResponse, SchedulesResponse, TimelineResponse } from '../api-types';
import type { DashboardContext } from '../context';
import { badRequest, HttpError, name, notFound, parse, processName, queryInt } from '../http';
import { scheduleRows } from '../temporal';
import { buildTimeline } from '../timeline';
import { sourceOf } from './common';

const controlParams = z.strictObject({ source: name, process: processName });
const noteBody = z.strictObject({ note: z.string().max(500, 'must be at most 500 characters').optional() });
const runParams = z.strictObject({ source: name });
const runBody = z.strictObject({
  process: processName,
  /** Only these resources; starts the run directly instead of through the schedule. */
  resources: z.array(name).min(1, 'must name at least one resource (or leave it out)').optional(),
});
const timelineQuery = z.strictObject({ hours: queryInt(1, 24 * 14, 24) });

export function registerSchedules(app: FastifyInstance, ctx: DashboardContext): void {
  const { config, client } = ctx;

  app.get('/api/schedules', async (): Promise<SchedulesResponse> => {
    const [summaries, durations] = await Promise.all([ctx.scheduleSummaries(), ctx.typicalDurations()]);
    return { generatedAt: new Date().toISOString(), schedules: scheduleRows(config, summaries, durations) };
  });

  app.get('/api/schedules/timeline', async (request): Promise<TimelineResponse> => {
    const { hours } = parse(timelineQuery, request.query, 'query');
    const [summaries, durations] = await Promise.all([ctx.scheduleSummaries(), ctx.typicalDurations()]);
    const from = new Date();
    return buildTimeline(scheduleRows(config, summaries, durations), from, new Date(from.getTime() + hours * 3_600_000));
  });

  app.post('/api/sources/:source/schedules/:process/pause', async (request): Promise<ControlResponse> => {
    const { source, process } = parse(controlParams, request.params, 'path');
    const { note } = parse(noteBody, request.body, 'body');
    sourceOf(config, source);
    const [report] = await control(() => pauseSchedules(client, source, { process, who: 'the dashboard', ...(note ? { note } : {}) }));
    ctx.invalidate();
    request.log.info({ source, process, result: report?.result }, 'schedule paused from the dashboard');
    return {
      ok: true,
      message: `${scheduleId(source, process)}: ${report?.result ?? 'paused'}`,
      scheduleId: scheduleId(source, process),
      paused: true,
    };
  });

  app.post('/api/sources/:source/schedules/:process/resume', async (request): Promise<ControlResponse> => {
    const { source, process } = parse(controlParams, request.params, 'path');
    const { note } = parse(noteBody, request.body, 'body');
    sourceOf(config, source);
    const [report] = await control(() =>
      resumeSchedules(client, source, { process, note: note ?? `resumed from the dashboard at ${new Date().toISOString()}` }),
    );
    ctx.invalidate();
    request.log.info({ source, process, result: report?.result }, 'schedule resumed from the dashboard');
    return {
      ok: true,
      message: `${scheduleId(source, process)}: ${report?.result ?? 'resumed'}`,
      scheduleId: scheduleId(source, process),
      paused: false,
    };
  });

  // Run now: through the schedule when there is one (overlap SKIP then guards against a second
  // run), otherwise a runSource started directly under a fixed manual ID.
  app.post('/api/sources/:source/run', async (request): Promise<ControlResponse> => {
    const { source } = parse(runParams, request.params, 'path');
    const body = parse(runBody, request.body, 'body');
    const src = sourceOf(config, source);
    const known = src.resources.map((r) => r.name);
    const unknown = (body.resources ?? []).filter((r) => !known.includes(r));
    if (unknown.length) throw badRequest(`source "${source}" has no resource ${unknown.join(', ')} (configured: ${known.join(', ')})`);
    const id = scheduleId(source, body.process);
    ctx.invalidate();
    // A run started now would skip every resource already running (their workflow IDs are fixed):
    // say so instead of "started", as `resync schedules trigger` exits 2.
    const busy = await busyRuns(client, source, body.process, body.resources ?? known);
    if (busy.length) {
      request.log.info({ source, process: body.process, busy }, 'run now skipped: already running');
      return {
        ok: false,
        outcome: 'skipped',
        message: `skipped: ${body.process} of ${source} is still running (${busy.join(', ')}); nothing was started`,
        workflowId: busy[0]!,
        temporalUrl: workflowUiUrl(config, busy[0]!),
      };
    }
    if (!body.resources) {
      const viaSchedule = await control(() => triggerSchedule(client, source, body.process, { timeoutMs: 20_000 })).catch(
        (err: unknown) => {
          if (err instanceof HttpError && err.statusCode === 404) return undefined;
          throw err;
        },
      );
      if (viaSchedule?.outcome === 'started') {
        request.log.info({ source, process: body.process, workflowId: viaSchedule.workflowId }, 'run started from the dashboard');
        return {
          ok: true,
          outcome: 'started',
          message: `started ${viaSchedule.workflowId} through schedule ${id}`,
          scheduleId: id,
          workflowId: viaSchedule.workflowId,
          temporalUrl: workflowUiUrl(config, viaSchedule.workflowId, viaSchedule.runId),
        };
      }
      if (viaSchedule?.outcome === 'skipped')
        return { ok: false, outcome: 'skipped', message: `skipped: ${viaSchedule.reason}; nothing was started`, scheduleId: id };
    }
    const workflowId = manualRunWorkflowId(source, body.process);
    try {
      const handle = await client.workflow.start('runSource', {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        args: [{ source, process: body.process, ...(body.resources ? { resources: body.resources } : {}) } satisfies RunSourceInput],
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: `${body.process} of ${source}, started from the dashboard`,
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.source, value: source },
          { key: SEARCH_ATTRIBUTES.process, value: body.process },
        ],
      });
      request.log.info({ source, process: body.process, workflowId }, 'run started from the dashboard');
      return {
        ok: true,
        outcome: 'started',
        message: `started ${workflowId}`,
        workflowId,
        temporalUrl: workflowUiUrl(config, workflowId, handle.firstExecutionRunId),
      };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        return {
          ok: false,
          outcome: 'skipped',
          message: `skipped: ${workflowId} is still running; nothing was started`,
          workflowId,
          temporalUrl: workflowUiUrl(config, workflowId),
        };
      }
      throw err;
    }
  });
}

/** Runs a schedule control, turning "no such schedule" into a 404 a person can act on. */
async function control<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleMissing) throw notFound(err.message);
    throw err;
  }
}
