/**
 * RMLS. Bearer token; nextLink paging (`$top` ≤ 200 assumed). Logical operators are lower-case
 * (an upper-case `OR` is refused), there is no `in` (ID lists are `Key eq 'a' or Key eq 'b'`),
 * enum values must be typed literals, and URLs may be ~5,200 characters long.
 */
import { bearer } from './common';
import { lowerCaseOr, noInOperator, typedEnumLiterals } from './rules';
import type { Personality, PersonalityOptions } from './types';

export function createRmls(options: PersonalityOptions = {}): Personality {
  return {
    name: 'rmls',
    maxTop: 200,
    defaultPageSize: 200,
    maxPageSize: 200,
    orderbyAllowed: true,
    topSemantics: 'page-size',
    nextLinkStyle: 'skiptoken',
    honorsMaxPageSize: false,
    maxUrlLength: 5200,
    auth: bearer('rmls', options),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    hooks: {
      onRequest: (ctx) => (ctx.resource ? lowerCaseOr(ctx.url.searchParams.get('$filter')) : undefined),
      onQuery: (ctx, query) => noInOperator(query.filter) ?? typedEnumLiterals(query.filter, ctx.entity),
    },
  };
}
