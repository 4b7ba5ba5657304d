/** `--wait` progress: retries of any activity shown with their last error; plain lines when not on a terminal. */
import { describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { liveProgress, type LiveProgress } from '../../worker/progress';
import { formatProgress } from '../../worker/progress-format';
import { progressPrinter } from '../../worker/progress-lines';
import type { SyncProgress } from '../../workflows/types';

const preparing: SyncProgress = {
  phase: 'preparing',
  source: 'sim',
  resource: 'Property',
  startedAt: null,
  pages: 0,
  records: 0,
  expectedTotal: null,
  cursor: null,
};

/** A workflow handle answering the progress query and describe() as a running workflow would. */
function fakeHandle(progress: SyncProgress, pendingActivities: unknown[]): WorkflowHandle {
  return {
    query: () => Promise.resolve(progress),
    describe: () => Promise.resolve({ raw: { pendingActivities } }),
  } as unknown as WorkflowHandle;
}

describe('--wait progress', () => {
  it('shows a retrying prepareSync with its attempt and last error', async () => {
    const handle = fakeHandle(preparing, [
      {
        activityType: { name: 'prepareSync' },
        attempt: 3,
        lastFailure: { message: 'Got a packet bigger than max_allowed_packet bytes', applicationFailureInfo: { type: 'Error' } },
      },
    ]);
    const p = (await liveProgress(handle))!;
    expect(p).toMatchObject({ attempt: 3, activity: 'prepareSync' });
    expect(formatProgress('Property', p, 1000)).toContain(
      '(retry 2 of prepareSync: Error: Got a packet bigger than max_allowed_packet bytes)',
    );
  });

  it('counts the pages of the chunk in flight and shows its retry', async () => {
    const { defaultPayloadConverter } = await import('@temporalio/common');
    const details = defaultPayloadConverter.toPayload({ totals: { pages: 4, downloaded: 100, upserted: 100, deleted: 0, rejected: 0 } });
    const handle = fakeHandle({ ...preparing, phase: 'downloading', pages: 10, records: 250 }, [
      {
        activityType: { name: 'syncPages' },
        attempt: 2,
        heartbeatDetails: { payloads: [details] },
        lastFailure: { message: 'answered 503', applicationFailureInfo: { type: 'SourceUnavailable' } },
      },
    ]);
    const p = (await liveProgress(handle))!;
    expect(p).toMatchObject({ pages: 14, records: 350, attempt: 2, lastFailure: 'SourceUnavailable: answered 503' });
  });

  it('on a terminal, rewrites one line in place', () => {
    const out: string[] = [];
    const printer = progressPrinter({ tty: true, write: (t) => out.push(t) });
    printer.print('a', false);
    printer.print('b', false);
    printer.end();
    expect(out).toEqual(['\r\x1b[Ka', '\r\x1b[Kb', '\r\x1b[K']);
  });

  it('elsewhere, prints plain lines on every change of state and otherwise every interval', () => {
    const out: string[] = [];
    let clock = 0;
    const printer = progressPrinter({ tty: false, write: (t) => out.push(t), everyMs: 10_000, now: () => clock });
    const at = (phase: string, attempt = 1, records = 0): LiveProgress => ({
      ...preparing,
      phase: phase as SyncProgress['phase'],
      records,
      attempt,
      activity: 'syncPages',
      lastFailure: attempt > 1 ? 'x' : null,
    });
    printer.print('preparing', false, at('preparing'));
    clock = 1000;
    printer.print('downloading 10', false, at('downloading', 1, 10));
    clock = 2000;
    printer.print('downloading 20', false, at('downloading', 1, 20)); // counts only: waits for the interval
    clock = 3000;
    printer.print('retrying', false, at('downloading', 2, 20)); // a retry: at once
    clock = 13_500;
    printer.print('downloading 90', false, at('downloading', 2, 90)); // the interval is over
    printer.end();
    expect(out).toEqual(['preparing\n', 'downloading 10\n', 'retrying\n', 'downloading 90\n']);
    expect(out.join('')).not.toContain('\r');
  });

  it('prints no progress with --json', () => {
    const out: string[] = [];
    const printer = progressPrinter({ tty: false, json: true, write: (t) => out.push(t) });
    printer.print('x', false);
    printer.end();
    expect(out).toEqual([]);
  });
});
