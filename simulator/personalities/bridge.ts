/**
 * Bridge Interactive. Static bearer token. Plain queries take `$top` ≤ 200; the `/replication`
 * endpoint (`Property/replication`) pages up to 2,000 records by nextLink, refuses `$orderby`, and
 * ends with an empty page. An hourly quota plus a per-minute burst of 1/15 of it, announced in
 * `Burst-RateLimit-Limit/-Remaining/-Reset`. Expanded collections carry 10 rows unless `$top` is
 * given inside the `$expand`.
 */
import { bearer } from './common';
import type { Personality, PersonalityOptions, RateUsage } from './types';

function quotaHeaders(usage: RateUsage): Record<string, string> {
  const limit = usage.limits.perMinute;
  if (limit === undefined) return {};
  return {
    'Burst-RateLimit-Limit': String(limit),
    'Burst-RateLimit-Remaining': String(Math.max(0, limit - (usage.used.perMinute ?? 0))),
    'Burst-RateLimit-Reset': String(Math.ceil((usage.resetMs.perMinute ?? 60_000) / 1000)),
  };
}

export function createBridge(options: PersonalityOptions = {}): Personality {
  const perHour = 5000;
  return {
    name: 'bridge',
    maxTop: 200,
    defaultPageSize: 10,
    maxPageSize: 200,
    orderbyAllowed: true,
    topSemantics: 'page-size',
    nextLinkStyle: 'skiptoken',
    honorsMaxPageSize: false,
    expandDefaultTop: 10,
    maxUrlLength: 5000,
    auth: bearer('bridge', options),
    rateLimits: options.rateLimits ?? { perHour, perMinute: Math.floor(perHour / 15) },
    replication: {
      via: { pathSegment: 'replication' },
      rules: { maxTop: 2000, defaultPageSize: 2000, maxPageSize: 2000, orderbyAllowed: false, trailingEmptyPage: true },
    },
    hooks: { quotaHeaders },
  };
}
