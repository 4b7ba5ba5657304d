/**
 * What every activity gets, applied in one place (createActivities) rather than in each one:
 *
 * - failures Temporal can act on: a rate limit (a 429's Retry-After, an exhausted request budget)
 *   becomes a failure with `nextRetryDelay`, so the retry waits as long as the MLS asked instead of
 *   burning attempts on ordinary backoff — whichever activity met it (sync pages, key downloads,
 *   re-fetches, counts, metadata);
 * - keep-alive heartbeats for the activities that do not heartbeat by themselves but may run for a
 *   while (metadata, schema migrations, counts), so their heartbeat timeout notices a dead worker
 *   within seconds and a live one is never taken for dead.
 */
import { activityInfo, ApplicationFailure, CancelledFailure, heartbeat } from '@temporalio/activity';
import { SourceRateLimited } from './source/errors';

/** How often a keep-alive heartbeat is sent; well inside the workflows' heartbeat timeout. */
export const KEEP_ALIVE_MS = 5000;

/**
 * The failure to throw for an activity error: unchanged, unless a rate limit is somewhere in its
 * cause chain (then a failure that makes the retry wait as asked). `details` (counts and cursors
 * only) travel with it to the workflow, e.g. what a failing chunk had committed.
 */
export function toActivityFailure(err: unknown, details?: unknown): unknown {
  // A cancellation (worker shutdown, the workflow cancelling) must stay one, or Temporal reports a failure.
  if (err instanceof ApplicationFailure || isCancellation(err)) return err;
  const limited = findInChain(err, (e): e is SourceRateLimited => e instanceof SourceRateLimited);
  if (limited) {
    return withStackOf(
      err,
      ApplicationFailure.create({
        type: limited.name,
        message: err instanceof Error ? err.message : limited.message,
        nextRetryDelay: Math.max(1, limited.retryAfterMs),
        ...(details !== undefined ? { details: [details] } : {}),
      }),
    );
  }
  if (details !== undefined && err instanceof Error) {
    // The type stays the error's name: the retry policies match on it. No cause: the workflows
    // report the innermost failure, which must be this one, with its type.
    return withStackOf(err, ApplicationFailure.create({ type: err.name, message: err.message, details: [details] }));
  }
  return err;
}

function isCancellation(err: unknown): boolean {
  return err instanceof CancelledFailure || (err instanceof Error && err.name === 'AbortError');
}

/** The failure with the original error's stack, so the history shows where it was thrown. */
function withStackOf(original: unknown, failure: ApplicationFailure): ApplicationFailure {
  if (original instanceof Error && original.stack) failure.stack = original.stack;
  return failure;
}

/** The first error in `err`'s cause chain (itself included) that passes `test`. */
export function findInChain<T extends Error>(err: unknown, test: (e: unknown) => e is T): T | undefined {
  let current: unknown = err;
  for (let depth = 0; current && depth < 10; depth++) {
    if (test(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Runs `work` while heartbeating every KEEP_ALIVE_MS (without details). */
export async function whileHeartbeating<T>(work: () => Promise<T>, everyMs = KEEP_ALIVE_MS): Promise<T> {
  heartbeat();
  const timer = setInterval(() => heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

type AnyActivity = (...args: never[]) => Promise<unknown>;

/**
 * The activities, each mapping its failures with toActivityFailure; those named in `keepAlive`
 * also heartbeat while they run. (Activities that heartbeat their own progress must not be named:
 * a heartbeat without details would replace the progress a retry resumes from.)
 */
export function wrapActivities<T extends Record<string, AnyActivity>>(activities: T, keepAlive: ReadonlyArray<keyof T>): T {
  const wrapped: Record<string, AnyActivity> = {};
  for (const [name, fn] of Object.entries(activities)) {
    const beating = keepAlive.includes(name);
    wrapped[name] = async (...args: never[]) => {
      try {
        // A local activity (sync's finishRun) has no heartbeats: its workflow task's timeout watches it.
        return await (beating && !activityInfo().isLocal ? whileHeartbeating(() => fn(...args)) : fn(...args));
      } catch (err) {
        throw toActivityFailure(err);
      }
    };
  }
  return wrapped as T;
}
