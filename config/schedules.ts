/**
 * Per-source schedules (one Temporal Schedule per process with a cron) and the failure policy.
 * Kept apart from schema.ts so the rules for cron, time zones and durations live together.
 */
import { z } from 'zod';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { cronProblem } from './cron';

const cron = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Temporal's own time-zone database is IANA's; Node's Intl knows the same names. */
const timeZone = z.string().refine(
  (value) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as UTC or America/New_York' },
);

/** Temporal refuses catch-up windows under 10 seconds. */
const MIN_CATCHUP_MS = 10_000;

const duration = z.string().refine(
  (value) => {
    try {
      return msToNumber(value as Parameters<typeof msToNumber>[0]) >= MIN_CATCHUP_MS;
    } catch {
      return false;
    }
  },
  { message: "must be a duration of at least 10 seconds, such as '10m', '90s' or '1h'" },
);

export const schedulesSchema = z.strictObject({
  /** When to run an incremental sync of every resource, e.g. every 15 minutes: '0,15,30,45 * * * *'. */
  sync: cron.optional(),
  /** When to delete records the MLS no longer has, e.g. nightly: '30 3 * * *'. */
  purge: cron.optional(),
  /** When to re-fetch missing or stale records, e.g. weekly: '0 4 * * SUN'. */
  reconcile: cron.optional(),
  /** Time zone the cron expressions are read in. */
  timeZone: timeZone.default('UTC'),
  /** A run missed while Temporal was down is still started if it is at most this late. */
  catchupWindow: duration.default('10m'),
  /** Pause a process's schedule (and alert) after this many failed runs in a row. */
  pauseAfterFailures: z.number().int().min(1).default(3),
});

export type SchedulesConfig = z.output<typeof schedulesSchema>;
