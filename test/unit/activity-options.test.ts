/**
 * Every activity any workflow schedules lets a dead worker be noticed within seconds: either its
 * start-to-close is at most a minute, or it has a short heartbeat timeout — and then the activity
 * really heartbeats (its own progress, or the keep-alive createActivities gives it).
 */
import { describe, expect, it, vi } from 'vitest';
import type * as WorkflowModule from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';

/** Each proxyActivities call of the workflow modules: its options and the activities taken from it. */
const proxies: Array<{ options: ActivityOptions; names: Set<string> }> = vi.hoisted(() => []);

vi.mock('@temporalio/workflow', async (importOriginal) => {
  const actual = await importOriginal<typeof WorkflowModule>();
  return {
    ...actual,
    proxyActivities: (options: ActivityOptions) => {
      const entry = { options, names: new Set<string>() };
      proxies.push(entry);
      return new Proxy({}, { get: (_t, name) => (entry.names.add(String(name)), () => undefined) });
    },
  };
});

/** Activities whose code heartbeats after every unit of work it commits (and keeps alive between). */
const SELF_HEARTBEATING = [
  'syncPages',
  'downloadKeys',
  'compareKeys',
  'deleteKeys',
  'fetchKeys',
  'removeOrphanMedia',
  'verifyMediaFiles',
  'downloadMediaFiles',
];

describe('activity options', () => {
  it('every activity notices a dead worker within a minute (short start-to-close or a heartbeat timeout)', async () => {
    await import('../../workflows/index');
    // sync, purge/reconcile (prepare, chunks, cleanup, finish) and runSource (bookkeeping, policy).
    expect(proxies.length).toBeGreaterThanOrEqual(8);
    for (const { options, names } of proxies) {
      const what = `${[...names].join(', ') || '(chunk activities)'}: ${JSON.stringify(options)}`;
      const startToClose = msToNumber(options.startToCloseTimeout ?? options.scheduleToCloseTimeout ?? '1 day');
      if (options.heartbeatTimeout !== undefined) {
        expect(msToNumber(options.heartbeatTimeout), what).toBeLessThanOrEqual(30_000);
      } else {
        expect(startToClose, what).toBeLessThanOrEqual(60_000);
      }
    }
  });

  it('every activity with a heartbeat timeout heartbeats', async () => {
    await import('../../workflows/index');
    const { KEEP_ALIVE_ACTIVITIES } = await import('../../activities/index');
    const beating = new Set<string>([...SELF_HEARTBEATING, ...KEEP_ALIVE_ACTIVITIES]);
    const taken = proxies.filter((p) => p.options.heartbeatTimeout !== undefined).flatMap((p) => [...p.names]);
    expect(taken).toContain('prepareSync');
    for (const name of taken) expect(beating.has(name), `${name} has a heartbeat timeout but never heartbeats`).toBe(true);
  });
});
