/**
 * All activities, built from their dependencies so tests and the worker can pass their own.
 * Workflows type their proxies with ReturnType<typeof createActivities>.
 */
import { wrapActivities } from './activity-wrappers';
import { createAlertActivities } from './alerts/activities';
import { createKeyActivities } from './keys';
import type { Runtime } from './runtime';
import { createStatsActivities } from './stats/activities';
import { createSyncActivities } from './sync';

export function createActivities(runtime: Runtime) {
  return wrapActivities(
    {
      ...createSyncActivities(runtime),
      ...createStatsActivities(runtime),
      ...createKeyActivities(runtime),
      ...createAlertActivities(runtime),
    },
    KEEP_ALIVE_ACTIVITIES,
  );
}

/**
 * Activities that do not heartbeat progress of their own but may run for minutes (metadata, schema
 * migrations, counts of big tables, alert deliveries): they heartbeat while they run, so their
 * heartbeat timeout notices a dead worker in seconds.
 */
export const KEEP_ALIVE_ACTIVITIES = ['prepareSync', 'prepareKeyRun', 'verifyKeys', 'finishRun', 'applyFailurePolicy'] as const;

export { Runtime, UnknownConfigEntry } from './runtime';
