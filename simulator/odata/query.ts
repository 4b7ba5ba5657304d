/**
 * Parses OData system query options from a request's query string. Only syntax is checked here;
 * names are checked against the entity type by the collection handler. Unknown `$` options are
 * errors (a silently ignored `$orderby` typo would hide a client bug); options without `$` are
 * custom options and are passed through for personalities (e.g. `replication=true`).
 */
import { FilterSyntaxError, parseFilter } from './filter';
import type { FilterExpr } from './filter';

export interface OrderTerm {
  field: string;
  desc: boolean;
}

export interface ExpandItem {
  name: string;
  select?: string[];
  top?: number;
}

export interface ParsedQuery {
  filterText?: string;
  filter?: FilterExpr;
  select?: string[];
  orderby?: OrderTerm[];
  orderbyText?: string;
  top?: number;
  skip?: number;
  count: boolean;
  expand?: ExpandItem[];
  skiptoken?: string;
  /** Options without a `$`. */
  custom: Record<string, string>;
  /**
   * Set by a personality that lifted out the clause excluding deleted records (MLS Grid's
   * `MlgCanView eq true`): answer from live records only.
   */
  liveOnly?: boolean;
}

/** A malformed query option; `reason` is the violation name recorded for it. */
export class QueryOptionError extends Error {
  override readonly name = 'QueryOptionError';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

const SYSTEM_OPTIONS = new Set(['$filter', '$select', '$orderby', '$top', '$skip', '$count', '$expand', '$skiptoken', '$format']);

/**
 * Splits a raw query string into decoded pairs. `+` means space (form encoding, which
 * URLSearchParams-built URLs use); a literal plus must be sent as %2B.
 */
export function splitQuery(search: string): Array<[string, string]> {
  const raw = search.startsWith('?') ? search.slice(1) : search;
  if (raw === '') return [];
  return raw
    .split('&')
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf('=');
      const decode = (s: string): string => {
        try {
          return decodeURIComponent(s.replace(/\+/g, ' '));
        } catch {
          throw new QueryOptionError(`query string is not valid percent-encoding: ${s}`, 'bad-query-string');
        }
      };
      return eq < 0 ? [decode(part), ''] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))];
    });
}

function nonNegativeInt(name: string, value: string): number {
  if (!/^\d+$/.test(value.trim()))
    throw new QueryOptionError(`${name} must be a non-negative integer, got '${value}'`, `invalid-${name.slice(1)}`);
  return Number(value.trim());
}

function nameList(name: string, value: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => !/^([A-Za-z_][A-Za-z0-9_]*|\*)$/.test(s))) {
    throw new QueryOptionError(`${name} must be a comma-separated list of field names, got '${value}'`, `invalid-${name.slice(1)}`);
  }
  return items;
}

function parseOrderby(value: string): OrderTerm[] {
  return value.split(',').map((part) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/.exec(part);
    if (!m) throw new QueryOptionError(`$orderby term '${part.trim()}' is not 'Field [asc|desc]'`, 'invalid-orderby');
    return { field: m[1] as string, desc: m[2] === 'desc' };
  });
}

/** `Media` or `Media($select=A,B;$top=3)`, comma-separated. */
function parseExpand(value: string): ExpandItem[] {
  const items: ExpandItem[] = [];
  let rest = value.trim();
  while (rest.length > 0) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*/.exec(rest);
    if (!m) throw new QueryOptionError(`$expand '${value}' is malformed`, 'invalid-expand');
    const item: ExpandItem = { name: m[1] as string };
    rest = rest.slice(m[0].length);
    if (rest.startsWith('(')) {
      const close = rest.indexOf(')');
      if (close < 0) throw new QueryOptionError(`$expand '${value}' has an unclosed '('`, 'invalid-expand');
      for (const opt of rest
        .slice(1, close)
        .split(';')
        .filter((s) => s.trim() !== '')) {
        const eq = opt.indexOf('=');
        const name = opt.slice(0, eq).trim();
        const v = opt.slice(eq + 1).trim();
        if (eq < 0) throw new QueryOptionError(`$expand option '${opt}' is malformed`, 'invalid-expand');
        if (name === '$select') item.select = nameList('$select', v);
        else if (name === '$top') item.top = nonNegativeInt('$top', v);
        else
          throw new QueryOptionError(
            `$expand option ${name} is not supported by the simulator (only $select and $top)`,
            'unsupported-expand',
          );
      }
      rest = rest.slice(close + 1).trim();
    }
    items.push(item);
    if (rest.startsWith(',')) rest = rest.slice(1).trim();
    else if (rest.length > 0) throw new QueryOptionError(`$expand '${value}' is malformed`, 'invalid-expand');
  }
  return items;
}

export function parseQueryOptions(pairs: Array<[string, string]>): ParsedQuery {
  const query: ParsedQuery = { count: false, custom: {} };
  const seen = new Set<string>();
  for (const [name, value] of pairs) {
    if (!name.startsWith('$')) {
      query.custom[name] = value;
      continue;
    }
    if (!SYSTEM_OPTIONS.has(name)) throw new QueryOptionError(`query option ${name} is not supported`, 'unsupported-option');
    if (seen.has(name)) throw new QueryOptionError(`query option ${name} is given more than once`, 'duplicate-option');
    seen.add(name);
    switch (name) {
      case '$filter':
        query.filterText = value;
        try {
          query.filter = parseFilter(value);
        } catch (err) {
          if (err instanceof FilterSyntaxError) throw new QueryOptionError(`$filter: ${err.message}`, 'invalid-filter');
          throw err;
        }
        break;
      case '$select':
        query.select = nameList('$select', value);
        break;
      case '$orderby':
        query.orderbyText = value;
        query.orderby = parseOrderby(value);
        break;
      case '$top':
        query.top = nonNegativeInt('$top', value);
        break;
      case '$skip':
        query.skip = nonNegativeInt('$skip', value);
        break;
      case '$count':
        if (value !== 'true' && value !== 'false')
          throw new QueryOptionError(`$count must be true or false, got '${value}'`, 'invalid-count');
        query.count = value === 'true';
        break;
      case '$expand':
        query.expand = parseExpand(value);
        break;
      case '$skiptoken':
        query.skiptoken = value;
        break;
      case '$format':
        if (value !== 'json' && !value.startsWith('application/json')) {
          throw new QueryOptionError(`$format ${value} is not supported (JSON only)`, 'unsupported-format');
        }
        break;
    }
  }
  return query;
}
