/**
 * A personality is how one platform behaves: mostly data (limits, paging style, what is allowed,
 * how clients authenticate, request budgets) plus a few optional hooks for behaviour that is not a
 * number (required filters, literal styles, quota headers). The server looks capabilities up here
 * instead of branching on names, and keeps all state (tokens, request windows) itself, so a
 * personality is a plain value that can be copied and tweaked.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { SimEntityType } from '../fields';
import type { ParsedQuery } from '../odata/query';

export interface RequestContext {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  /** Entity set addressed (`Property`, `Media`), when the request is for data. */
  resource?: string;
  /** Its entity type, when the request is for data. */
  entity?: SimEntityType;
  /** Whether the request is on the platform's replication endpoint (see Personality.replication). */
  replication?: boolean;
  /** Milliseconds since the epoch when the request arrived. */
  receivedAt: number;
}

/**
 * A refusal. With `violation` set it counts as a rule broken by the client; without, it is the
 * server's own limit (an expired nextLink, a too-deep `$skip`) and is counted as a refusal.
 */
export interface Rejection {
  status: number;
  code: string;
  message: string;
  violation?: string;
  /** Reason counted under `refusals` when the client broke no rule. */
  refusal?: string;
  headers?: Record<string, string>;
}

/** Requests used and left in each window, for quota headers. */
export interface RateUsage {
  limits: RateLimits;
  /** Requests counted in each window, including this one. */
  used: Partial<Record<keyof RateLimits, number>>;
  /** Milliseconds until the oldest request of each window leaves it. */
  resetMs: Partial<Record<keyof RateLimits, number>>;
  now: number;
}

export interface PersonalityHooks {
  /** Before anything is parsed, after auth and rate checks: anything not covered by data. */
  onRequest?(ctx: RequestContext): Rejection | undefined;
  /** After the query options are parsed: required filters, forbidden combinations, literal styles. */
  onQuery?(ctx: RequestContext, query: ParsedQuery): Rejection | undefined;
  /**
   * After onQuery accepted the query: a query that means the same on this platform's data but is
   * cheaper to answer (e.g. without a clause every record satisfies).
   */
  rewriteQuery?(ctx: RequestContext, query: ParsedQuery): ParsedQuery;
  /** Extra headers on every data response (quota headers). */
  responseHeaders?(ctx: RequestContext): Record<string, string> | undefined;
  /** Quota headers for a request budget's state (on every response and on 429s). */
  quotaHeaders?(usage: RateUsage): Record<string, string>;
}

/** Requests allowed per sliding window. */
export interface RateLimits {
  perSecond?: number;
  perMinute?: number;
  perHour?: number;
  perDay?: number;
}

export type AuthStyle =
  /** No Authorization header needed. */
  | { kind: 'none' }
  /** `Authorization: Bearer <token>` with one static token. */
  | { kind: 'bearer'; token: string }
  /** OAuth2 client credentials at `POST /oauth/token`; tokens expire after `tokenTtlMs`. */
  | { kind: 'oauth2'; clientId: string; clientSecret: string; scope: string; tokenTtlMs: number };

/** Limits and paging rules that may differ between the normal and the replication endpoint. */
export interface PagingRules {
  /** Largest `$top` accepted for full records; more is a 400 and a violation. */
  maxTop: number;
  /** Largest `$top` when `$select` names only the key and timestamp fields (default maxTop). */
  keyOnlyMaxTop?: number;
  /** Largest `$top` with `$expand` (default maxTop). */
  expandMaxTop?: number;
  /** Page size when the client states none. */
  defaultPageSize: number;
  /** Largest page the server sends, whatever `Prefer: odata.maxpagesize` asks. */
  maxPageSize: number;
  /** Whether `$orderby` is accepted at all. */
  orderbyAllowed: boolean;
  /**
   * `total`: standard OData, `$top` caps the whole result and paging is server-driven.
   * `page-size`: replication endpoints (Trestle, Bridge, MLS Grid), `$top` is the page size and
   * nextLinks keep coming until the result is exhausted.
   */
  topSemantics: 'total' | 'page-size';
  /** How nextLinks continue: an opaque `$skiptoken`, or a visible `$skip` (MLS Grid style). */
  nextLinkStyle: 'skiptoken' | 'skip';
  /** The last page of a result is followed by one more, empty, page (Bridge, sometimes). */
  trailingEmptyPage?: boolean;
  /** A `$skiptoken` unused for longer than this is refused (Trestle: ~5 minutes). */
  nextLinkIdleMs?: number;
}

export interface Personality extends PagingRules {
  name: string;
  /** Largest `$skip` accepted; more is a violation. Undefined = no limit. */
  maxSkip?: number;
  /**
   * Deepest `$skip` the server answers; deeper ones are refused with 400 but are not a client
   * error (MLS Grid: the client must restart from its last timestamp).
   */
  deepSkipLimit?: number;
  /**
   * Records a query off the replication endpoint may page through; continuing past them is a
   * violation (`replication-required`). Trestle wants bulk reads on `replication=true`.
   */
  replicationRequiredBeyond?: number;
  /** Whether `Prefer: odata.maxpagesize` is honoured. */
  honorsMaxPageSize: boolean;
  /** Rows of an expanded collection when the client gives no `$top` inside the `$expand` (Bridge: 10). */
  expandDefaultTop?: number;
  /** Whether `$select` may appear inside `$expand` (MLS Grid: no). Default true. */
  selectInsideExpand?: boolean;
  /** Longest request URL accepted (path and query); longer is a 414 and a violation. */
  maxUrlLength?: number;
  /** How clients authenticate (default none). */
  auth?: AuthStyle;
  /** Request budget; going over is a 429 with Retry-After and a violation. */
  rateLimits?: RateLimits;
  /**
   * The replication endpoint: `param` (Trestle: `replication=true`) or a `/replication` path
   * segment after the resource (Bridge), and the rules that differ there.
   */
  replication?: { via: { param: string; value: string } | { pathSegment: string }; rules: Partial<PagingRules> };
  /** Shape of the data this platform serves. */
  data?: {
    keyPrefix?: string;
    originatingSystemName?: string;
    /** Deleted records stay in the feed as tombstones for this long (MLS Grid). */
    tombstoneRetentionMs?: number;
    /** Extra fields on Property and Media, e.g. MLS Grid's `MlgCanView` (name → Edm type). */
    extraFields?: Record<string, string>;
  };
  /** How the platform's media files are served (the simulator's image host applies these). */
  media?: MediaRules;
  hooks?: PersonalityHooks;
}

/** Rules of a platform's media host; breaking one is a counted violation. */
export interface MediaRules {
  /** A media request must carry `User-Agent: <access token>` (MLS Grid, since 2026). */
  userAgentIsToken?: boolean;
  /** MediaURLs are signed and expire this long (to twice this long) after they are served; then 403. */
  urlTtlMs?: number;
  /** Media requests spend the API's request budget (MLS Grid counts them against its limits). */
  sharesRequestBudget?: boolean;
}

/**
 * What `startSimulator({ personalityOptions })` may change about a personality: credentials, the
 * data's identity, and timings that tests want short.
 */
export interface PersonalityOptions {
  /** Static bearer token (every platform but Trestle). */
  token?: string;
  /** OAuth2 client credentials (Trestle). */
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of issued OAuth2 tokens. */
  tokenTtlMs?: number;
  /** Trestle: a nextLink unused for this long is refused. */
  nextLinkIdleMs?: number;
  /** Trestle: records a query without `replication=true` may page through. */
  nonReplicationRecords?: number;
  /** MLS Grid: every record's OriginatingSystemName, required in every filter. */
  originatingSystemName?: string;
  /** MLS Grid: ListingKey prefix. */
  keyPrefix?: string;
  /** MLS Grid: deepest `$skip` a nextLink may reach. */
  deepSkipLimit?: number;
  /** MLS Grid: how long deleted records stay in the feed. */
  tombstoneRetentionMs?: number;
  /** Request budget (replaces the platform's). */
  rateLimits?: RateLimits;
  /** Any platform: MediaURLs expire (see MediaRules.urlTtlMs). */
  mediaUrlTtlMs?: number;
}
