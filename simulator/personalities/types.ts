/**
 * A personality is how one platform behaves: mostly data (limits, paging style, what is allowed)
 * plus a few optional hooks for behaviour that is not a number (auth, rate limits, required
 * filters, extra headers). The server looks capabilities up here instead of branching on names.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ParsedQuery } from '../odata/query';

export interface RequestContext {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  /** Entity set addressed (`Property`, `Media`), when the request is for data. */
  resource?: string;
  /** Milliseconds since the epoch when the request arrived. */
  receivedAt: number;
}

/** A refusal; with `violation` set it also counts as a rule broken by the client. */
export interface Rejection {
  status: number;
  code: string;
  message: string;
  violation?: string;
  headers?: Record<string, string>;
}

export interface PersonalityHooks {
  /** Before anything is parsed: authentication, rate limits, fault injection. */
  onRequest?(ctx: RequestContext): Rejection | undefined;
  /** After the query options are parsed: required filters, forbidden combinations. */
  onQuery?(ctx: RequestContext, query: ParsedQuery): Rejection | undefined;
  /** Extra headers on every data response (quota headers). */
  responseHeaders?(ctx: RequestContext): Record<string, string> | undefined;
}

export interface Personality {
  name: string;
  /** Largest `$top` accepted; more is a 400 and a violation. */
  maxTop: number;
  /** Page size when the client states none. */
  defaultPageSize: number;
  /** Largest page the server sends, whatever `Prefer: odata.maxpagesize` asks. */
  maxPageSize: number;
  /** Whether `$orderby` is accepted at all. */
  orderbyAllowed: boolean;
  /** Largest `$skip` accepted; undefined = no limit. */
  maxSkip?: number;
  /**
   * `total`: standard OData, `$top` caps the whole result and paging is server-driven.
   * `page-size`: replication endpoints (Trestle, Bridge, MLS Grid), `$top` is the page size and
   * nextLinks keep coming until the result is exhausted.
   */
  topSemantics: 'total' | 'page-size';
  /** How nextLinks continue: an opaque `$skiptoken`, or a visible `$skip` (MLS Grid style). */
  nextLinkStyle: 'skiptoken' | 'skip';
  /** Whether `Prefer: odata.maxpagesize` is honoured. */
  honorsMaxPageSize: boolean;
  hooks?: PersonalityHooks;
}
