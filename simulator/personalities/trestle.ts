/**
 * Trestle (Cotality). OAuth2 client credentials (`scope=api`) with expiring tokens. Plain queries
 * take `$top` ≤ 1000 and may page only so deep; bulk reads go through `replication=true`, where
 * `$top` is the page size (up to 300,000 when selecting keys only) and the opaque nextLinks expire
 * after ~5 idle minutes. Quotas: 180 requests/minute and 7,200/hour, announced in
 * `Minute-Quota-Limit`, `Hour-Quota-Limit` and `Hour-Quota-ResetTime` headers.
 */
import type { Personality, PersonalityOptions, RateUsage } from './types';

function quotaHeaders(usage: RateUsage): Record<string, string> {
  const headers: Record<string, string> = {};
  const { perMinute, perHour } = usage.limits;
  if (perMinute !== undefined) headers['Minute-Quota-Limit'] = String(perMinute);
  if (perHour !== undefined) {
    headers['Hour-Quota-Limit'] = String(perHour);
    headers['Hour-Quota-ResetTime'] = new Date(usage.now + (usage.resetMs.perHour ?? 3_600_000)).toISOString();
  }
  return headers;
}

export function createTrestle(options: PersonalityOptions = {}): Personality {
  return {
    name: 'trestle',
    maxTop: 1000,
    defaultPageSize: 1000,
    maxPageSize: 1000,
    orderbyAllowed: true,
    topSemantics: 'total',
    nextLinkStyle: 'skiptoken',
    honorsMaxPageSize: true,
    replicationRequiredBeyond: options.nonReplicationRecords ?? 10_000,
    maxUrlLength: 7000,
    auth: {
      kind: 'oauth2',
      clientId: options.clientId ?? 'sim-trestle-client',
      clientSecret: options.clientSecret ?? 'sim-trestle-secret',
      scope: 'api',
      tokenTtlMs: options.tokenTtlMs ?? 3_600_000,
    },
    rateLimits: options.rateLimits ?? { perMinute: 180, perHour: 7200 },
    replication: {
      via: { param: 'replication', value: 'true' },
      rules: { topSemantics: 'page-size', keyOnlyMaxTop: 300_000, nextLinkIdleMs: options.nextLinkIdleMs ?? 5 * 60_000 },
    },
    hooks: { quotaHeaders },
  };
}
