/** The failure policy's decisions: when to pause and alert, when to send the recovery. */
import { describe, expect, it } from 'vitest';
import { decide, FAILURE_PAUSE_PREFIX } from '../../activities/alerts/policy';

const F = 'failed' as const;
const S = 'succeeded' as const;
const active = { paused: false, note: null };
const pausedByResync = { paused: true, note: `${FAILURE_PAUSE_PREFIX} 3 failed sync runs in a row` };
const pausedByPerson = { paused: true, note: 'maintenance window' };

describe('failure policy', () => {
  it('does nothing below the threshold', () => {
    expect(decide({ history: [F, F, S], threshold: 3, schedule: active })).toEqual({ action: 'none' });
  });

  it('pauses and alerts when the streak reaches the threshold', () => {
    expect(decide({ history: [F, F, F, S], threshold: 3, schedule: active })).toEqual({ action: 'alert failing', pause: true, streak: 3 });
  });

  it('alerts once, without pausing, when the schedule is already paused or absent', () => {
    expect(decide({ history: [F, F, F], threshold: 3, schedule: pausedByPerson })).toEqual({
      action: 'alert failing',
      pause: false,
      streak: 3,
    });
    expect(decide({ history: [F, F, F, F], threshold: 3, schedule: pausedByResync })).toEqual({ action: 'none' });
    expect(decide({ history: [F, F, F], threshold: 3, schedule: null })).toEqual({ action: 'alert failing', pause: false, streak: 3 });
    expect(decide({ history: [F, F, F, F], threshold: 3, schedule: null })).toEqual({ action: 'none' });
  });

  it('pauses again when a person resumed it and it fails again', () => {
    expect(decide({ history: [F, F, F, F], threshold: 3, schedule: active })).toEqual({ action: 'alert failing', pause: true, streak: 4 });
  });

  it('sends a recovery after an alerted streak, resuming only its own pause', () => {
    expect(decide({ history: [S, F, F, F], threshold: 3, schedule: pausedByResync })).toEqual({
      action: 'alert recovered',
      resume: true,
      streak: 3,
    });
    expect(decide({ history: [S, F, F, F, F], threshold: 3, schedule: pausedByPerson })).toEqual({
      action: 'alert recovered',
      resume: false,
      streak: 4,
    });
    expect(decide({ history: [S, F, F], threshold: 3, schedule: active })).toEqual({ action: 'none' });
    expect(decide({ history: [S, S, F, F, F], threshold: 3, schedule: active })).toEqual({ action: 'none' });
  });
});
