/**
 * All activities, built from their dependencies so tests and the worker can pass their own.
 * Workflows type their proxies with ReturnType<typeof createActivities>.
 */
import { wrapActivities } from './activity-wrappers';
import { createAlertActivities } from './alerts/activities';
import { createKeyActivities } from './keys';
import { createMediaActivities } from './media/activities';
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
      ...createMediaActivities(runtime),
    },
    KEEP_ALIVE_ACTIVITIES,
  );
}

/**
 * Activities without progress details to heartbeat that may run for minutes (metadata, schema
 * migrations, counts of big tables, alert deliveries): they heartbeat while they run, so their
 * heartbeat timeout notices a dead worker in seconds.
 */
export const KEEP_ALIVE_ACTIVITIES = [
  'prepareSync',
  'prepareKeyRun',
  'verifyKeys',
  'finishRun',
  'applyFailurePolicy',
  // They heartbeat between delete batches too, but one batch on a loaded server may outlast the timeout.
  'dropStaging',
  'dropAbandonedStaging',
] as const;

export { Runtime, UnknownConfigEntry } from './runtime';
