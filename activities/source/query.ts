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

export function buildResourceUrl(serviceRoot: string, resource: string, q: QueryOptions): string {
  const params: string[] = [];
  const add = (name: string, value: string) => params.push(`${name}=${encodeURIComponent(value)}`);
  if (q.filter) add('$filter', q.filter);
  if (q.select?.length) add('$select', q.select.join(','));
  if (q.orderby?.length) add('$orderby', q.orderby.join(','));
  if (q.expand) add('$expand', q.expand);
  if (q.top !== undefined) add('$top', String(q.top));
  if (q.count) add('$count', 'true');
  const base = `${serviceRoot.replace(/\/+$/, '')}/${encodeURIComponent(resource)}`;
  return params.length ? `${base}?${params.join('&')}` : base;
}
