/**
 * Turns (entity set, $filter, $orderby) into an ordered result set, cheaply:
 * - windows on an indexed timestamp and key lookups come from the plan, not from scanning;
 * - when the plan captures the whole filter and the order is that index's order, the result is a
 *   view over the index (two binary searches and nothing else);
 * - otherwise candidates are filtered (only the fields the filter names are generated), sorted if
 *   needed, and the row list is cached per dataset generation so following pages are slices.
 */
import type { FilterExpr } from '../odata/filter';
import { compileFilter } from '../odata/evaluate';
import type { Predicate } from '../odata/evaluate';
import type { OrderTerm } from '../odata/query';
import { comparePoints, planFilter } from './plan';
import type { Bound, KeyPoint, Plan } from './plan';
import type { EntityTable, OrderedRows, TimestampIndex } from './table';

/** A row's place in (timestamp, key) order, as carried by keyset skiptokens. */
export interface Cursor {
  ms: number;
  key: string;
}

export interface ResultSet {
  readonly length: number;
  rowAt(i: number): number;
  /** Present when rows are in ascending (timestamp, key) order: index of the first row after the cursor. */
  positionAfter?(cursor: Cursor): number;
  /** Present with positionAfter: the cursor of a row. */
  cursorOf?(row: number): Cursor;
}

export type Ordering =
  /** (timestamp field, key) order, served by that field's index. */
  { kind: 'timestamp'; field: string; desc: boolean } | { kind: 'key'; desc: boolean } | { kind: 'custom' };

export interface ResultRequest {
  filter?: FilterExpr;
  filterText?: string;
  orderby?: OrderTerm[];
  orderbyText?: string;
}

/** Which built-in order an `$orderby` amounts to; no `$orderby` means replication order. */
export function classifyOrdering(table: EntityTable, orderby: OrderTerm[] | undefined): Ordering {
  if (!orderby || orderby.length === 0) return { kind: 'timestamp', field: table.timestampField, desc: false };
  const [a, b, ...rest] = orderby;
  if (rest.length > 0 || !a) return { kind: 'custom' };
  if (table.timestampIndexes.has(a.field) && (!b || (b.field === table.keyField && b.desc === a.desc))) {
    return { kind: 'timestamp', field: a.field, desc: a.desc };
  }
  if (a.field === table.keyField && !b) return { kind: 'key', desc: a.desc };
  return { kind: 'custom' };
}

function indexOf(table: EntityTable, field: string): TimestampIndex {
  const index = table.timestampIndexes.get(field);
  if (!index) throw new Error(`${table.name} has no index on ${field}`);
  return index;
}

/** First position in `[lo, hi)` of `rows` where `atOrAfter` holds (monotone over the rows). */
function search(rows: OrderedRows, lo: number, hi: number, atOrAfter: (row: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (atOrAfter(rows.rowAt(mid))) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function pointOf(table: EntityTable, index: TimestampIndex, row: number): KeyPoint {
  return { at: { ms: index.timestampOf(row), ticks: 0 }, key: table.keyOf(row) };
}

/** [lo, hi) of the rows inside both bounds. */
function window(table: EntityTable, index: TimestampIndex, rows: OrderedRows, plan: Plan): [number, number] {
  const inside = (bound: Bound | undefined, upper: boolean) => (row: number) => {
    const c = comparePoints(pointOf(table, index, row), bound as Bound);
    // Lower: first row at/after the bound. Upper: first row past the bound (end, exclusive).
    return upper === (bound as Bound).inclusive ? c > 0 : c >= 0;
  };
  const lo = plan.lower ? search(rows, 0, rows.length, inside(plan.lower, false)) : 0;
  const hi = plan.upper ? search(rows, 0, rows.length, inside(plan.upper, true)) : rows.length;
  return [lo, Math.max(lo, hi)];
}

function rangeResult(table: EntityTable, rows: OrderedRows, lo: number, hi: number, keyset: TimestampIndex | undefined): ResultSet {
  const length = Math.max(0, hi - lo);
  const result: ResultSet = { length, rowAt: (i) => rows.rowAt(lo + i) };
  if (keyset) {
    result.cursorOf = (row) => ({ ms: keyset.timestampOf(row), key: table.keyOf(row) });
    result.positionAfter = (cursor) =>
      search(
        rows,
        lo,
        lo + length,
        (row) => comparePoints(pointOf(table, keyset, row), { at: { ms: cursor.ms, ticks: 0 }, key: cursor.key }) > 0,
      ) - lo;
  }
  return result;
}

function reversed(result: ResultSet): ResultSet {
  return { length: result.length, rowAt: (i) => result.rowAt(result.length - 1 - i) };
}

function arrayResult(table: EntityTable, rows: Uint32Array, keyset: TimestampIndex | undefined): ResultSet {
  return rangeResult(table, { length: rows.length, rowAt: (i) => rows[i] as number }, 0, rows.length, keyset);
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
function sortCustom(table: EntityTable, rows: Uint32Array, orderby: OrderTerm[]): Uint32Array {
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
  switch (ordering.kind) {
    case 'timestamp': {
      const index = indexOf(table, ordering.field);
      const sign = ordering.desc ? -1 : 1;
      return Uint32Array.from(rows).sort(
        (a, b) => sign * (index.timestampOf(a) - index.timestampOf(b) || table.keyRank(a) - table.keyRank(b)),
      );
    }
    case 'key': {
      const sign = ordering.desc ? -1 : 1;
      return Uint32Array.from(rows).sort((a, b) => sign * (table.keyRank(a) - table.keyRank(b)));
    }
    case 'custom':
      return sortCustom(table, rows, orderby ?? []);
  }
}

/**
 * The plan on the index that narrows the filter: the ordering's timestamp first (its window is
 * already in the right order), then the others.
 */
function choosePlan(table: EntityTable, filter: FilterExpr | undefined, ordering: Ordering): { field: string; plan: Plan } {
  const preferred = ordering.kind === 'timestamp' ? ordering.field : table.timestampField;
  const fields = [preferred, ...[...table.timestampIndexes.keys()].filter((f) => f !== preferred)];
  const plans = fields.map((field) => ({
    field,
    plan: planFilter(filter, { timestampField: field, keyField: table.keyField, lookupFields: table.lookupFields }),
  }));
  return plans.find((p) => p.plan.lower || p.plan.upper) ?? (plans[0] as { field: string; plan: Plan });
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
    while (this.entries.size > CACHE_LIMIT) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/** Compiles the filter (throws FilterTypeError on type errors) and returns the ordered result. */
export function resolveResults(table: EntityTable, request: ResultRequest, cache?: ResultCache): { result: ResultSet; ordering: Ordering } {
  const ordering = classifyOrdering(table, request.orderby);
  const predicate = request.filter ? compileFilter(request.filter, table.type.byName) : undefined;
  const cacheKey = [table.name, table.variant, table.generation(), request.filterText ?? '', request.orderbyText ?? ''].join('\u0000');
  const cached = cache?.get(cacheKey);
  if (cached) return { result: cached, ordering };

  // Only ascending (timestamp, key) results continue with keyset tokens.
  const keyset = ordering.kind === 'timestamp' && !ordering.desc ? indexOf(table, ordering.field) : undefined;
  const inIndexOrder = (field: string) => ordering.kind === 'timestamp' && ordering.field === field;
  const { field, plan } = choosePlan(table, request.filter, ordering);
  const index = indexOf(table, field);
  let result: ResultSet;

  if (plan.lookup) {
    // Few rows: check the whole filter on each, then order them.
    const rows = table.lookup(plan.lookup.field, plan.lookup.values).filter((row) => !predicate || predicate(table.getter(row)));
    result = arrayResult(table, sortByOrdering(table, Uint32Array.from(rows), ordering, request.orderby), keyset);
  } else if (plan.lower || plan.upper || !predicate) {
    const view = index.rows();
    const [lo, hi] = window(table, index, view, plan);
    const residual = plan.residual ? compileFilter(plan.residual, table.type.byName) : undefined;
    if (!residual && inIndexOrder(field)) {
      const range = rangeResult(table, view, lo, hi, keyset);
      return { result: ordering.kind === 'timestamp' && ordering.desc ? reversed(range) : range, ordering };
    }
    if (!predicate && ordering.kind === 'key') {
      const keys = table.byKey();
      const range = rangeResult(table, keys, 0, keys.length, undefined);
      return { result: ordering.desc ? reversed(range) : range, ordering };
    }
    const rows = collect(view, lo, hi, table, residual);
    const ordered = inIndexOrder(field) && keyset ? rows : sortByOrdering(table, rows, ordering, request.orderby);
    result = arrayResult(table, ordered, keyset);
  } else {
    // Nothing narrows the filter: scan in (or close to) the wanted order.
    const view = ordering.kind === 'key' ? table.byKey() : index.rows();
    let rows = collect(view, 0, view.length, table, predicate);
    if (ordering.kind === 'custom') rows = sortCustom(table, rows, request.orderby ?? []);
    else if (ordering.desc) rows = rows.reverse();
    result = arrayResult(table, rows, keyset);
  }
  cache?.set(cacheKey, result);
  return { result, ordering };
}
