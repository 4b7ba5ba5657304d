/**
 * A standard OData v4 server, like RESO's reference server: `$top` caps the total, paging is
 * server-driven (`Prefer: odata.maxpagesize`, nextLinks with `$skiptoken`), `$orderby` allowed.
 * No auth unless a token is given.
 */
import type { Personality, PersonalityOptions } from './types';

export const generic: Personality = {
  name: 'generic',
  maxTop: 10_000,
  defaultPageSize: 1000,
  maxPageSize: 10_000,
  orderbyAllowed: true,
  topSemantics: 'total',
  nextLinkStyle: 'skiptoken',
  honorsMaxPageSize: true,
};

export function createGeneric(options: PersonalityOptions = {}): Personality {
  return {
    ...generic,
    ...(options.token !== undefined ? { auth: { kind: 'bearer' as const, token: options.token } } : {}),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
  };
}
