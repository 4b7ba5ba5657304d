/**
 * OData query building. Values are always quoted and escaped here, never pasted by callers, and a
 * user's $filter is parenthesised before being ANDed so its `or` cannot swallow the time window.
 */
import { toODataLiteral } from '../common/timestamps';

export function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A key literal: quoted for string keys, bare for numeric ones (e.g. ListingKeyNumeric). */
export function keyLiteral(value: string, numeric: boolean): string {
  if (!numeric) return quoteString(value);
  if (!/^-?\d+(\.\d+)?$/.test(value)) throw new Error(`key ${JSON.stringify(value)} is not numeric`);
  return value;
}

/** ANDs clauses; each is wrapped in parentheses when there is more than one. */
export function andFilters(...clauses: (string | undefined)[]): string | undefined {
  const present = clauses.filter((c): c is string => !!c && c.trim().length > 0);
  if (present.length <= 1) return present[0];
  return present.map((c) => `(${c})`).join(' and ');
}

export interface KeysetPosition {
  cursorField: string;
  keyField: string;
  numericKey: boolean;
  /** Start after this (timestamp, key); key '' means "this timestamp inclusive". null: from the start. */
  after: { timestamp: string; key: string } | null;
  upperBound: string;
}

/**
 * The window of one keyset page: `(ts, key) > after` and `ts ≤ upperBound`. Ordering by
 * (ts, key) makes this exact even when thousands of records share one timestamp.
 */
export function keysetFilter(p: KeysetPosition): string {
  const upper = `${p.cursorField} le ${toODataLiteral(p.upperBound)}`;
  if (!p.after) return upper;
  const ts = toODataLiteral(p.after.timestamp);
  const lower =
    p.after.key === ''
      ? `${p.cursorField} ge ${ts}`
      : `${p.cursorField} gt ${ts} or (${p.cursorField} eq ${ts} and ${p.keyField} gt ${keyLiteral(p.after.key, p.numericKey)})`;
  return `(${lower}) and ${upper}`;
}

export interface QueryOptions {
  filter?: string;
  select?: string[];
  orderby?: string[];
  top?: number;
  count?: boolean;
  expand?: string;
}

/** One navigation property to expand, with what to ask for inside it. */
export interface ExpandRequest {
  name: string;
  select?: string[];
  top?: number;
  /** The child's key: added to `select`, since a child row cannot be stored without it. */
  keyField?: string;
}

/**
 * The `$expand` value: `Media($select=MediaKey,MediaURL;$top=20),Rooms`. `selectInside: false`
 * leaves `$select` out for platforms that refuse it there (MLS Grid); the whole child then comes.
 */
export function expandOption(items: ExpandRequest[], opts: { selectInside: boolean }): string | undefined {
  if (items.length === 0) return undefined;
  return items
    .map((item) => {
      const inner: string[] = [];
      if (opts.selectInside && item.select?.length) {
        const select = item.keyField ? [...new Set([item.keyField, ...item.select])] : item.select;
        inner.push(`$select=${select.join(',')}`);
      }
      if (item.top !== undefined) inner.push(`$top=${item.top}`);
      return inner.length ? `${item.name}(${inner.join(';')})` : item.name;
    })
    .join(',');
}

/**
 * A query option value as it goes on the wire. encodeURIComponent leaves `'` alone, but URL
 * parsers (and so got and fetch) encode it as %27 in query strings: encoding it here makes a URL's
 * length here its length on the wire, which URL budgets depend on.
 */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/'/g, '%27');
}

export function buildResourceUrl(serviceRoot: string, resource: string, q: QueryOptions): string {
  const params: string[] = [];
  const add = (name: string, value: string) => params.push(`${name}=${encodeQueryValue(value)}`);
  if (q.filter) add('$filter', q.filter);
  if (q.select?.length) add('$select', q.select.join(','));
  if (q.orderby?.length) add('$orderby', q.orderby.join(','));
  if (q.expand) add('$expand', q.expand);
  if (q.top !== undefined) add('$top', String(q.top));
  if (q.count) add('$count', 'true');
  // Segment by segment: a resource path may have several (`Property/replication` on Bridge), and
  // an encoded slash (%2F) is refused or misread by many servers.
  const path = resource.split('/').map(encodeURIComponent).join('/');
  const base = `${serviceRoot.replace(/\/+$/, '')}/${path}`;
  return params.length ? `${base}?${params.join('&')}` : base;
}

/**
 * The filter of a replication request: the platform's required clause (left bare: MLS Grid rejects
 * it in parentheses), the user's filter (always parenthesised, so its `or` cannot widen the
 * window), and the window's comparisons (parenthesised only when they contain `or`).
 */
export function composeFilter(parts: { required?: string; user?: string; window: (string | undefined)[] }): string | undefined {
  const clauses: string[] = [];
  if (parts.required) clauses.push(parts.required);
  const window = parts.window.filter((w): w is string => !!w);
  const many = clauses.length + (parts.user ? 1 : 0) + window.length > 1;
  if (parts.user) clauses.push(many ? `(${parts.user})` : parts.user);
  for (const w of window) clauses.push(many && /\bor\b/.test(w) ? `(${w})` : w);
  return clauses.length ? clauses.join(' and ') : undefined;
}

/** An enum literal as the platform wants it: `'Active'` or `Namespace.Type'Active'`. */
export function enumLiteral(style: 'plain' | 'typed', namespace: string, enumType: string, value: string): string {
  const quoted = quoteString(value);
  return style === 'typed' ? `${namespace}.${enumType}${quoted}` : quoted;
}

/**
 * Splits keys into `$filter`s for ID-list requests, each keeping the whole URL within the
 * platform's budget: `Key in ('a','b')` or `Key eq 'a' or Key eq 'b'` (lower-case `or`).
 */
export function idListFilters(opts: {
  keyField: string;
  keys: string[];
  numericKey: boolean;
  style: 'in' | 'or';
  maxUrlLength: number;
  /** Length of the URL without the filter (service root, resource, other options). */
  baseUrlLength: number;
  /**
   * At most this many keys per filter: the request's `$top`. On a server where `$top` caps the
   * total (standard OData), a longer list would silently lose the keys past it.
   */
  maxKeys?: number;
}): string[] {
  const budget = opts.maxUrlLength - opts.baseUrlLength - '&$filter='.length;
  const render = (keys: string[]) =>
    opts.style === 'in'
      ? `${opts.keyField} in (${keys.map((k) => keyLiteral(k, opts.numericKey)).join(',')})`
      : keys.map((k) => `${opts.keyField} eq ${keyLiteral(k, opts.numericKey)}`).join(' or ');
  const filters: string[] = [];
  let chunk: string[] = [];
  for (const key of opts.keys) {
    const candidate = [...chunk, key];
    const full = opts.maxKeys !== undefined && chunk.length >= opts.maxKeys;
    if (chunk.length > 0 && (full || encodeQueryValue(render(candidate)).length > budget)) {
      filters.push(render(chunk));
      chunk = [key];
    } else {
      chunk = candidate;
    }
    if (chunk.length === 1 && encodeQueryValue(render(chunk)).length > budget) {
      throw new Error(`key ${JSON.stringify(key)} alone exceeds the platform's URL budget of ${opts.maxUrlLength}`);
    }
  }
  if (chunk.length) filters.push(render(chunk));
  return filters;
}
