/**
 * Spark (FBS) replication host. Bearer token with the replication role; `$top` ≤ 1000 as the page
 * size, nextLinks with `$skiptoken`. Spark's `$orderby` support is limited; the simulator refuses
 * it outright so a client that starts relying on it is caught.
 */
import { bearer } from './common';
import type { Personality, PersonalityOptions } from './types';

export function createSpark(options: PersonalityOptions = {}): Personality {
  return {
    name: 'spark',
    maxTop: 1000,
    defaultPageSize: 1000,
    maxPageSize: 1000,
    orderbyAllowed: false,
    topSemantics: 'page-size',
    nextLinkStyle: 'skiptoken',
    honorsMaxPageSize: false,
    auth: bearer('spark', options),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
  };
}
