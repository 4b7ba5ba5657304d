/**
 * MLS Grid v2. Static bearer token. Every data request carries exactly one
 * `OriginatingSystemName eq '<mls>'`, not in parentheses; `$orderby` is refused (records come in
 * ModificationTimestamp order); `$top` is the page size, up to 5,000 (1,000 with `$expand`, and no
 * `$select` inside it); nextLinks carry a visible `$skip` and very deep ones are refused. Keys
 * carry the MLS's prefix (`ACT…`). Deleted records stay in the feed for a while with
 * `MlgCanView=false` (the initial load may filter `MlgCanView eq true`). 2 requests/second,
 * 7,200/hour, 40,000/day. Media requests count against those limits and must carry
 * `User-Agent: <access token>` (2026 rule).
 */
import { bearer } from './common';
import { findEquality, requiredEquality, withoutTerm } from './rules';
import type { Personality, PersonalityOptions } from './types';

const SYSTEM_FIELD = 'OriginatingSystemName';
const VISIBLE_FIELD = 'MlgCanView';

export function createMlsGrid(options: PersonalityOptions = {}): Personality {
  const system = options.originatingSystemName ?? 'actris';
  return {
    name: 'mlsgrid',
    maxTop: 5000,
    expandMaxTop: 1000,
    defaultPageSize: 5000,
    maxPageSize: 5000,
    orderbyAllowed: false,
    topSemantics: 'page-size',
    nextLinkStyle: 'skip',
    honorsMaxPageSize: false,
    deepSkipLimit: options.deepSkipLimit ?? 100_000,
    selectInsideExpand: false,
    maxUrlLength: 7000,
    auth: bearer('mlsgrid', options),
    rateLimits: options.rateLimits ?? { perSecond: 2, perHour: 7200, perDay: 40_000 },
    data: {
      keyPrefix: options.keyPrefix ?? 'ACT',
      originatingSystemName: system,
      tombstoneRetentionMs: options.tombstoneRetentionMs ?? 7 * 86_400_000,
      extraFields: { [VISIBLE_FIELD]: 'Edm.Boolean' },
    },
    media: { userAgentIsToken: true, sharesRequestBudget: true },
    hooks: {
      onQuery: (ctx, query) => (ctx.resource ? requiredEquality(query.filter, SYSTEM_FIELD, system) : undefined),
      // Every record carries this system's name, and `MlgCanView eq true` means "live records":
      // answering without those clauses gives the same rows from an index window, not a scan.
      rewriteQuery(ctx, query) {
        if (!ctx.resource) return query;
        let q = query;
        const systemTerm = findEquality(q.filter, SYSTEM_FIELD, (l) => l.kind === 'string' && l.value === system);
        if (systemTerm) q = withoutTerm(q, systemTerm);
        const visibleTerm = findEquality(q.filter, VISIBLE_FIELD, (l) => l.kind === 'boolean' && l.value);
        if (visibleTerm) q = { ...withoutTerm(q, visibleTerm), liveOnly: true };
        return q;
      },
    },
  };
}
