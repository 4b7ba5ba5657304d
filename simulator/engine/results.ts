/**
 * Turns (entity set, $filter, $orderby) into an ordered result set, cheaply:
 * - (timestamp, key) windows and key lookups come from the plan, not from scanning;
 * - when the plan captures the whole filter and the order is the index order, the result is a
 *   view over the index (a binary search and nothing else);
 * - otherwise candidates are filtered (only the fields the filter names are generated), sorted if
 *   needed, and the row list is cached per dataset generation so following pages are slices.
 */
import type { FilterExpr } from '../odata/filter';
import { compileFilter } from '../odata/evaluate';
import type { Predicate } from '../odata/evaluate';
import type { OrderTerm } from '../odata/query';
import { comparePoints, planFilter } from './plan';
import type { Bound, KeyPoint } from './plan';
import type { EntityTable, OrderedRows } from './table';

export interface ResultSet {
  readonly length: number;
  rowAt(i: number): number;
  /** Present when rows are in (timestamp, key) order: index of the first row after the point. */
  positionAfter?(ms: number, key: string): number;
}

export type Ordering = 'timestamp-asc' | 'timestamp-desc' | 'key-asc' | 'key-desc' | 'custom';

export interface ResultRequest {
  filter?: FilterExpr;
  filterText?: string;
  orderby?: OrderTerm[];
  orderbyText?: string;
}

/** Which built-in order an `$orderby` amounts to; no `$orderby` means replication order. */
export function classifyOrdering(table: EntityTable, orderby: OrderTerm[] | undefined): Ordering {
  if (!orderby || orderby.length === 0) return 'timestamp-asc';
  const [a, b, ...rest] = orderby;
  if (rest.length > 0 || !a) return 'custom';
  if (a.field === table.timestampField && (!b || (b.field === table.keyField && b.desc === a.desc))) {
    return a.desc ? 'timestamp-desc' : 'timestamp-asc';
  }
  if (a.field === table.keyField && !b) return a.desc ? 'key-desc' : 'key-asc';
  return 'custom';
}

function rowPoint(table: EntityTable, row: number): KeyPoint {
  return { at: { ms: table.timestampOf(row), ticks: 0 }, key: table.keyOf(row) };
}

/** First position in `[lo, hi)` of `rows` (in timestamp-key order) where `atOrAfter` holds. */
function search(rows: OrderedRows, lo: number, hi: number, atOrAfter: (row: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (atOrAfter(rows.rowAt(mid))) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function lowerPosition(table: EntityTable, rows: OrderedRows, bound: Bound | undefined): number {
  if (!bound) return 0;
  return search(rows, 0, rows.length, (row) => {
    const c = comparePoints(rowPoint(table, row), bound);
    return bound.inclusive ? c >= 0 : c > 0;
  });
}

/** End (exclusive) of the rows inside the upper bound. */
function upperPosition(table: EntityTable, rows: OrderedRows, bound: Bound | undefined): number {
  if (!bound) return rows.length;
  return search(rows, 0, rows.length, (row) => {
    const c = comparePoints(rowPoint(table, row), bound);
    return bound.inclusive ? c > 0 : c >= 0;
  });
}

function afterFinder(table: EntityTable, rows: OrderedRows, lo: number, hi: number) {
  return (ms: number, key: string): number =>
    search(rows, lo, hi, (row) => comparePoints(rowPoint(table, row), { at: { ms, ticks: 0 }, key }) > 0) - lo;
}

function rangeResult(table: EntityTable, rows: OrderedRows, lo: number, hi: number, keysetCapable: boolean): ResultSet {
  const length = Math.max(0, hi - lo);
  const result: ResultSet = { length, rowAt: (i) => rows.rowAt(lo + i) };
  if (keysetCapable) result.positionAfter = afterFinder(table, rows, lo, lo + length);
  return result;
}

function reversed(result: ResultSet): ResultSet {
  return { length: result.length, rowAt: (i) => result.rowAt(result.length - 1 - i) };
}

function arrayResult(table: EntityTable, rows: Uint32Array, keysetCapable: boolean): ResultSet {
  const view: OrderedRows = { length: rows.length, rowAt: (i) => rows[i] as number };
  return rangeResult(table, view, 0, rows.length, keysetCapable);
}

function collect(rows: OrderedRows, lo: number, hi: number, table: EntityTable, predicate: Predicate | undefined): Uint32Array {
  if (!predicate) {
    const out = new Uint32Array(Math.max(0, hi - lo));
    for (let p = lo; p < hi; p++) out[p - lo] = rows.rowAt(p);
    return out;
  }
  const out: number[] = [];
  for (let p = lo; p < hi; p++) {
    const row = rows.rowAt(p);
    if (predicate(table.getter(row))) out.push(row);
  }
  return Uint32Array.from(out);
}

/** Sorts rows by `$orderby`, ties broken by key so that paging is deterministic. Nulls sort first. */
function sortRows(table: EntityTable, rows: Uint32Array, orderby: OrderTerm[]): Uint32Array {
  const columns = orderby.map((term) => {
    const values = new Array<unknown>(rows.length);
    for (let i = 0; i < rows.length; i++) values[i] = table.getter(rows[i] as number)(term.field);
    return { values, sign: term.desc ? -1 : 1 };
  });
  const ranks = Array.from(rows, (row) => table.keyRank(row));
  const perm = Array.from(rows, (_, i) => i);
  const cmp = (a: unknown, b: unknown): number => {
    const an = a === null || a === undefined;
    const bn = b === null || b === undefined;
    if (an || bn) return an && bn ? 0 : an ? -1 : 1;
    return (a as number | string) < (b as number | string) ? -1 : (a as number | string) > (b as number | string) ? 1 : 0;
  };
  perm.sort((x, y) => {
    for (const col of columns) {
      const c = cmp(col.values[x], col.values[y]);
      if (c !== 0) return c * col.sign;
    }
    return (ranks[x] as number) - (ranks[y] as number);
  });
  return Uint32Array.from(perm, (i) => rows[i] as number);
}

function sortByOrdering(table: EntityTable, rows: Uint32Array, ordering: Ordering, orderby: OrderTerm[] | undefined): Uint32Array {
  switch (ordering) {
    case 'timestamp-asc':
    case 'timestamp-desc': {
      const sign = ordering === 'timestamp-asc' ? 1 : -1;
      return Uint32Array.from(rows).sort((a, b) => sign * (table.timestampOf(a) - table.timestampOf(b) || table.keyRank(a) - table.keyRank(b)));
    }
    case 'key-asc':
    case 'key-desc': {
      const sign = ordering === 'key-asc' ? 1 : -1;
      return Uint32Array.from(rows).sort((a, b) => sign * (table.keyRank(a) - table.keyRank(b)));
    }
    case 'custom':
      return sortRows(table, rows, orderby ?? []);
  }
}

const CACHE_LIMIT = 8;

/** Result sets by query, for the lifetime of one dataset generation. */
export class ResultCache {
  private readonly entries = new Map<string, ResultSet>();

  get(key: string): ResultSet | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: ResultSet): void {
    this.entries.set(key, value);
    while (this.entries.size > CACHE_LIMIT) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Compiles the filter (throws FilterTypeError on type errors) and returns the ordered result. */
export function resolveResults(table: EntityTable, request: ResultRequest, cache?: ResultCache): { result: ResultSet; ordering: Ordering } {
  const ordering = classifyOrdering(table, request.orderby);
  const predicate = request.filter ? compileFilter(request.filter, table.type.byName) : undefined;
  const cacheKey = [table.name, table.generation(), request.filterText ?? '', request.orderbyText ?? ''].join('\u0000');
  const cached = cache?.get(cacheKey);
  if (cached) return { result: cached, ordering };

  const plan = planFilter(request.filter, table);
  const keyset = ordering === 'timestamp-asc';
  let result: ResultSet;
  if (plan.lookup) {
    // Few rows: check the whole filter on each, then order them.
    const rows = table.lookup(plan.lookup.field, plan.lookup.values).filter((row) => !predicate || predicate(table.getter(row)));
    result = arrayResult(table, sortByOrdering(table, Uint32Array.from(rows), ordering, request.orderby), keyset);
  } else if (plan.lower || plan.upper || !predicate) {
    const view = table.byTimestamp();
    const lo = lowerPosition(table, view, plan.lower);
    const hi = Math.max(lo, upperPosition(table, view, plan.upper));
    const residual = plan.residual ? compileFilter(plan.residual, table.type.byName) : undefined;
    if (!residual && (ordering === 'timestamp-asc' || ordering === 'timestamp-desc')) {
      const range = rangeResult(table, view, lo, hi, keyset);
      return { result: ordering === 'timestamp-asc' ? range : reversed(range), ordering };
    }
    if (!residual && !request.filter && (ordering === 'key-asc' || ordering === 'key-desc')) {
      const keyView = table.byKey();
      const range = rangeResult(table, keyView, 0, keyView.length, false);
      return { result: ordering === 'key-asc' ? range : reversed(range), ordering };
    }
    const rows = collect(view, lo, hi, table, residual);
    const ordered = ordering === 'timestamp-asc' ? rows : sortByOrdering(table, rows, ordering, request.orderby);
    result = arrayResult(table, ordered, keyset);
  } else {
    const keyOrdered = ordering === 'key-asc' || ordering === 'key-desc';
    const view = keyOrdered ? table.byKey() : table.byTimestamp();
    let rows = collect(view, 0, view.length, table, predicate);
    if (ordering === 'key-desc' || ordering === 'timestamp-desc') rows = rows.reverse();
    else if (ordering === 'custom') rows = sortRows(table, rows, request.orderby ?? []);
    result = arrayResult(table, rows, keyset);
  }
  cache?.set(cacheKey, result);
  return { result, ordering };
}
