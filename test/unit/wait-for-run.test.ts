/**
 * `resync sync --wait` returns as soon as the run's result is in: the pause between progress polls
 * must not hold the command up to a second longer (a no-change sync takes a fraction of that).
 * Time is Vitest's fake clock, never advanced, so the test does not depend on the machine's speed;
 * the handle is a stand-in because what is tested is the command's waiting, not Temporal.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { waitForResourceRun } from '../../worker/commands/resource-runs';

afterEach(() => {
  vi.useRealTimers();
});

function finishedRun(result: unknown): WorkflowHandle<Workflow> {
  const handle = {
    workflowId: 'sync/src/Property',
    result: () => Promise.resolve(result),
    query: () => Promise.reject(new Error('no progress')),
    describe: () => Promise.reject(new Error('no description')),
  };
  return handle as unknown as WorkflowHandle<Workflow>;
}

describe('waiting for a run', () => {
  it('ends when the result arrives, without waiting for the next progress poll', async () => {
    // Only the poll's timers are fake; setImmediate stays real and fires once every promise
    // already settled has run: by then the wait must be over.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const waiting = waitForResourceRun(finishedRun({ upserted: 0 }), 'Property', () => undefined);
    const outcome = await Promise.race([waiting, new Promise((resolve) => setImmediate(() => resolve('still waiting')))]);
    expect(outcome).toEqual({ resource: 'Property', workflowId: 'sync/src/Property', ok: true, result: { upserted: 0 } });
    expect(vi.getTimerCount()).toBe(0);
  });
});
