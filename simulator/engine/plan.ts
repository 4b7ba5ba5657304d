/**
 * Reads a `$filter` AST for the parts the dataset's structure can answer without generating
 * records:
 * - bounds on (timestamp, key): `ts gt|ge|lt|le|eq T`, and the keyset form
 *   `ts gt T or (ts eq T and key gt K)` (and its `lt` mirror) — answered by binary search on the
 *   (timestamp, key) index;
 * - key lookups: `key eq 'K'`, `key in (…)`, `key eq 'A' or key eq 'B' …` — answered by parsing keys.
 * Only top-level `and` terms are considered (nested `and` groups are flattened first). Whatever is
 * not captured exactly is returned as `residual` and must still be evaluated on the candidates.
 */
import type { CompareOp, FilterExpr, Literal, Operand } from '../odata/filter';
import { compareInstants, dateToInstant } from '../odata/instant';
import type { Instant } from '../odata/instant';

/** A point in (timestamp, key) order; `key` −1/+1 stand for "before/after every key". */
export interface KeyPoint {
  at: Instant;
  key: string | -1 | 1;
}

export interface Bound extends KeyPoint {
  /** Whether rows equal to the point are inside. */
  inclusive: boolean;
}

export interface Plan {
  lower?: Bound;
  upper?: Bound;
  lookup?: { field: string; values: string[] };
  /** Terms not captured above; undefined when the captured parts are the whole filter. */
  residual?: FilterExpr;
}

export interface PlanTarget {
  timestampField: string;
  keyField: string;
  /** Fields whose string values the table can look rows up by. */
  lookupFields: readonly string[];
}

const FLIP: Record<CompareOp, CompareOp> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };

export function comparePoints(a: KeyPoint, b: KeyPoint): number {
  const c = compareInstants(a.at, b.at);
  if (c !== 0) return c;
  if (a.key === b.key) return 0;
  if (a.key === -1 || b.key === 1) return -1;
  if (a.key === 1 || b.key === -1) return 1;
  return a.key < b.key ? -1 : 1;
}

function flattenAnd(expr: FilterExpr, out: FilterExpr[] = []): FilterExpr[] {
  if (expr.kind === 'and') for (const t of expr.terms) flattenAnd(t, out);
  else out.push(expr);
  return out;
}

/** `field op literal`, normalised so the field is on the left. */
function fieldComparison(expr: FilterExpr): { field: string; op: CompareOp; literal: Literal } | undefined {
  if (expr.kind !== 'compare') return undefined;
  const isField = (o: Operand): o is Operand & { kind: 'field' } => o.kind === 'field';
  if (isField(expr.left) && !isField(expr.right)) return { field: expr.left.name, op: expr.op, literal: expr.right };
  if (isField(expr.right) && !isField(expr.left)) return { field: expr.right.name, op: FLIP[expr.op], literal: expr.left };
  return undefined;
}

function timestampTerm(expr: FilterExpr, field: string): { op: CompareOp; at: Instant } | undefined {
  const c = fieldComparison(expr);
  if (!c || c.field !== field) return undefined;
  if (c.literal.kind === 'datetime') return { op: c.op, at: c.literal.value };
  if (c.literal.kind === 'date') return { op: c.op, at: dateToInstant(c.literal.value) };
  return undefined;
}

function keyTerm(expr: FilterExpr, field: string): { op: CompareOp; key: string } | undefined {
  const c = fieldComparison(expr);
  if (!c || c.field !== field || c.literal.kind !== 'string') return undefined;
  return { op: c.op, key: c.literal.value };
}

/** Bounds implied by one `ts op T` term. */
function timestampBounds(op: CompareOp, at: Instant): { lower?: Bound; upper?: Bound } | undefined {
  switch (op) {
    case 'gt':
      return { lower: { at, key: 1, inclusive: false } };
    case 'ge':
      return { lower: { at, key: -1, inclusive: true } };
    case 'lt':
      return { upper: { at, key: -1, inclusive: false } };
    case 'le':
      return { upper: { at, key: 1, inclusive: true } };
    case 'eq':
      return { lower: { at, key: -1, inclusive: true }, upper: { at, key: 1, inclusive: true } };
    default:
      return undefined;
  }
}

/** `ts gt T or (ts eq T and key gt K)` → lower (T, K); the `lt` mirror → upper (T, K). */
function keysetBounds(expr: FilterExpr, t: PlanTarget): { lower?: Bound; upper?: Bound } | undefined {
  if (expr.kind !== 'or' || expr.terms.length !== 2) return undefined;
  for (const [a, b] of [
    [expr.terms[0], expr.terms[1]],
    [expr.terms[1], expr.terms[0]],
  ] as Array<[FilterExpr, FilterExpr]>) {
    const strict = timestampTerm(a, t.timestampField);
    if (!strict || (strict.op !== 'gt' && strict.op !== 'lt') || b.kind !== 'and' || b.terms.length !== 2) continue;
    const [b0, b1] = b.terms as [FilterExpr, FilterExpr];
    const eq = timestampTerm(b0, t.timestampField) ?? timestampTerm(b1, t.timestampField);
    const key = keyTerm(b0, t.keyField) ?? keyTerm(b1, t.keyField);
    if (!eq || eq.op !== 'eq' || !key || compareInstants(eq.at, strict.at) !== 0) continue;
    if (strict.op === 'gt' && (key.op === 'gt' || key.op === 'ge')) {
      return { lower: { at: strict.at, key: key.key, inclusive: key.op === 'ge' } };
    }
    if (strict.op === 'lt' && (key.op === 'lt' || key.op === 'le')) {
      return { upper: { at: strict.at, key: key.key, inclusive: key.op === 'le' } };
    }
  }
  return undefined;
}

function lookupValues(expr: FilterExpr, fields: readonly string[]): { field: string; values: string[] } | undefined {
  if (expr.kind === 'in' && expr.operand.kind === 'field' && fields.includes(expr.operand.name)) {
    if (!expr.values.every((v) => v.kind === 'string')) return undefined;
    return { field: expr.operand.name, values: expr.values.map((v) => (v as Literal & { kind: 'string' }).value) };
  }
  const terms = expr.kind === 'or' ? expr.terms : [expr];
  let field: string | undefined;
  const values: string[] = [];
  for (const term of terms) {
    const c = fieldComparison(term);
    if (!c || c.op !== 'eq' || c.literal.kind !== 'string' || !fields.includes(c.field)) return undefined;
    if (field !== undefined && field !== c.field) return undefined;
    field = c.field;
    values.push(c.literal.value);
  }
  return field === undefined ? undefined : { field, values };
}

function tighterLower(a: Bound | undefined, b: Bound): Bound {
  if (!a) return b;
  const c = comparePoints(a, b);
  if (c !== 0) return c > 0 ? a : b;
  return a.inclusive ? b : a;
}

function tighterUpper(a: Bound | undefined, b: Bound): Bound {
  if (!a) return b;
  const c = comparePoints(a, b);
  if (c !== 0) return c < 0 ? a : b;
  return a.inclusive ? b : a;
}

export function planFilter(filter: FilterExpr | undefined, target: PlanTarget): Plan {
  if (!filter) return {};
  const plan: Plan = {};
  const residual: FilterExpr[] = [];
  for (const term of flattenAnd(filter)) {
    const ts = timestampTerm(term, target.timestampField);
    const bounds = (ts && timestampBounds(ts.op, ts.at)) ?? keysetBounds(term, target);
    if (bounds) {
      if (bounds.lower) plan.lower = tighterLower(plan.lower, bounds.lower);
      if (bounds.upper) plan.upper = tighterUpper(plan.upper, bounds.upper);
      continue;
    }
    const lookup = plan.lookup ? undefined : lookupValues(term, target.lookupFields);
    if (lookup) {
      plan.lookup = lookup;
      continue;
    }
    residual.push(term);
  }
  if (residual.length === 1) plan.residual = residual[0];
  else if (residual.length > 1) plan.residual = { kind: 'and', terms: residual, pos: residual[0]?.pos ?? 0 };
  return plan;
}
