/**
 * UtahRealEstate. Bearer token; `$top` ≤ 200 with standard meaning and `$skip` nextLinks;
 * `$orderby` allowed. Enum values in `$filter` must be typed literals
 * (`Namespace.StandardStatus'Active'`); a plain string is refused.
 */
import { bearer } from './common';
import { typedEnumLiterals } from './rules';
import type { Personality, PersonalityOptions } from './types';

export function createUtahRealEstate(options: PersonalityOptions = {}): Personality {
  return {
    name: 'utahrealestate',
    maxTop: 200,
    defaultPageSize: 200,
    maxPageSize: 200,
    orderbyAllowed: true,
    topSemantics: 'total',
    nextLinkStyle: 'skip',
    honorsMaxPageSize: false,
    auth: bearer('utahrealestate', options),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    hooks: { onQuery: (ctx, query) => typedEnumLiterals(query.filter, ctx.entity) },
  };
}
