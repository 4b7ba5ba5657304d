/** Activity failures reach the log with their type and message, never as `"error":{}`. */
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ActivityInboundCallsInterceptor } from '@temporalio/worker';
import type { Context as ActivityContext } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { SourceUnavailable } from '../../activities/source/errors';
import { activityFailureLogging, sdkLogFields } from '../../worker/activity-failure-log';

/** A pino logger whose lines are kept, parsed. */
function memoryLogger(base: Record<string, unknown> = {}) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info', base }, stream), lines };
}

const context = { info: { activityType: 'syncPages', attempt: 3, workflowExecution: { workflowId: 'sync/sim/Property', runId: 'r' } } };

function inbound(root: pino.Logger, sources: Record<string, pino.Logger> = {}): ActivityInboundCallsInterceptor {
  const factory = activityFailureLogging({ root, forSource: (s) => sources[s] });
  return factory(context as unknown as ActivityContext).inbound!;
}

describe('activity failure logging', () => {
  it('logs a failing activity with its error type, message, attempt and workflow, in the source’s log', async () => {
    const root = memoryLogger();
    const sim = memoryLogger({ source: 'sim' });
    const failure = new SourceUnavailable('http://mls/Property answered 503: busy');
    const run = inbound(root.logger, { sim: sim.logger }).execute!({ args: [{ source: 'sim', resource: 'Property' }], headers: {} }, () =>
      Promise.reject(failure),
    );
    await expect(run).rejects.toBe(failure);
    expect(root.lines).toEqual([]);
    expect(sim.lines).toHaveLength(1);
    const line = sim.lines[0]!;
    expect(line).toMatchObject({
      level: 40,
      failureType: 'SourceUnavailable',
      activityType: 'syncPages',
      attempt: 3,
      workflowId: 'sync/sim/Property',
      resource: 'Property',
      error: { message: 'http://mls/Property answered 503: busy' },
    });
    expect(JSON.stringify(line.error)).toContain('SourceUnavailable');
    expect(String(line.msg)).toContain('busy');
  });

  it('names an ApplicationFailure by its type; an unknown source goes to the worker’s log', async () => {
    const root = memoryLogger();
    const failure = ApplicationFailure.create({ type: 'SourceRateLimited', message: 'slow down', nextRetryDelay: 5000 });
    const run = inbound(root.logger).execute!({ args: [{ source: '../../etc/passwd' }], headers: {} }, () => Promise.reject(failure));
    await expect(run).rejects.toBe(failure);
    expect(root.lines[0]).toMatchObject({ failureType: 'SourceRateLimited', error: { message: 'slow down' } });
  });

  it('passes results through without logging', async () => {
    const root = memoryLogger();
    await expect(inbound(root.logger).execute!({ args: [], headers: {} }, () => Promise.resolve(42))).resolves.toBe(42);
    expect(root.lines).toEqual([]);
  });

  it('the SDK’s own failure reports keep their error (not "error":{})', () => {
    const { logger, lines } = memoryLogger();
    logger.warn(sdkLogFields({ activityType: 'prepareSync', error: new Error('Packet too large') }), 'Activity failed');
    expect(lines[0]).toMatchObject({ activityType: 'prepareSync', error: { message: 'Packet too large', type: 'Error' } });
    expect(JSON.stringify(lines[0])).not.toContain('"error":{}');
  });

  it('logs an error’s type, message, code and cause, but not its other fields (a database error’s SQL)', async () => {
    const root = memoryLogger();
    const cause = Object.assign(new Error('Got a packet bigger than max_allowed_packet bytes'), {
      code: 'ER_NET_PACKET_TOO_LARGE',
      sql: `INSERT INTO Property VALUES ('${'x'.repeat(5000)}')`,
    });
    const failure = new Error('destination d0: Got a packet bigger than max_allowed_packet bytes', { cause });
    await inbound(root.logger).execute!({ args: [{ source: 'sim' }], headers: {} }, () => Promise.reject(failure)).catch(() => undefined);
    expect(root.lines[0]).toMatchObject({
      error: { type: 'Error', message: failure.message, cause: { code: 'ER_NET_PACKET_TOO_LARGE', message: cause.message } },
    });
    expect(JSON.stringify(root.lines[0])).not.toContain('xxxxx');
  });
});
