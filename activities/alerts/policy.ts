/**
 * The failure policy as a pure decision: given the latest runs of a process and its schedule,
 * pause and alert, resume and send a recovery, or do nothing. The activity carries it out.
 */

/** Every note resync writes when it pauses for failures starts with this, so it knows its own pauses. */
export const FAILURE_PAUSE_PREFIX = 'resync paused this schedule after';

export interface PolicyInput {
  /** Finished runs, newest first; the run being judged is the first. */
  history: ('succeeded' | 'failed')[];
  threshold: number;
  /** null: no schedule (runs are started by hand). */
  schedule: { paused: boolean; note: string | null } | null;
}

export type PolicyDecision =
  | { action: 'none' }
  | { action: 'alert failing'; pause: boolean; streak: number }
  | { action: 'alert recovered'; resume: boolean; streak: number };

export function decide(input: PolicyInput): PolicyDecision {
  const [latest, ...earlier] = input.history;
  if (!latest) return { action: 'none' };
  if (latest === 'failed') {
    const streak = leadingFailures(input.history);
    if (streak < input.threshold) return { action: 'none' };
    // Still running on schedule (never paused, or resumed by a person and failing again): pause it.
    if (input.schedule && !input.schedule.paused) return { action: 'alert failing', pause: true, streak };
    // Already paused, or no schedule at all: say it once, when the streak reaches the threshold.
    return streak === input.threshold ? { action: 'alert failing', pause: false, streak } : { action: 'none' };
  }
  const streak = leadingFailures(earlier);
  if (streak < input.threshold) return { action: 'none' };
  // Only a pause resync made for failures is undone; a person's pause is theirs to lift.
  const resume = !!input.schedule?.paused && isFailurePause(input.schedule.note);
  return { action: 'alert recovered', resume, streak };
}

export function isFailurePause(note: string | null | undefined): boolean {
  return !!note && note.startsWith(FAILURE_PAUSE_PREFIX);
}

function leadingFailures(history: ('succeeded' | 'failed')[]): number {
  const firstSuccess = history.indexOf('succeeded');
  return firstSuccess === -1 ? history.length : firstSuccess;
}
