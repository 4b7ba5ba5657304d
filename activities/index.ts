/**
 * All activities, built from their dependencies so tests and the worker can pass their own.
 * Workflows type their proxies with ReturnType<typeof createActivities>.
 */
import { createAlertActivities } from './alerts/activities';
import { createKeyActivities } from './keys';
import type { Runtime } from './runtime';
import { createStatsActivities } from './stats/activities';
import { createSyncActivities } from './sync';

export function createActivities(runtime: Runtime) {
  return {
    ...createSyncActivities(runtime),
    ...createStatsActivities(runtime),
    ...createKeyActivities(runtime),
    ...createAlertActivities(runtime),
  };
}

export { Runtime, UnknownConfigEntry } from './runtime';
