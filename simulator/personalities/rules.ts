/**
 * `$filter` rules some platforms impose, as small checks the personalities combine. Each returns a
 * Rejection (a 400 and a counted violation) or undefined; none of them evaluates anything.
 */
import type { SimEntityType } from '../fields';
import type { FilterExpr, Literal, Operand } from '../odata/filter';
import type { ParsedQuery } from '../odata/query';
import type { Rejection } from './types';

function violation(reason: string, message: string): Rejection {
  return { status: 400, code: reason, message, violation: reason };
}

function children(expr: FilterExpr): FilterExpr[] {
  if (expr.kind === 'and' || expr.kind === 'or') return expr.terms;
  if (expr.kind === 'not') return [expr.expr];
  return [];
}

/** Every node of the tree, depth first. */
export function* walk(expr: FilterExpr): Generator<FilterExpr> {
  yield expr;
  for (const child of children(expr)) yield* walk(child);
}

/** The clauses ANDed at the top: a bare `a and b and c` gives three; anything else is one. */
export function topLevelTerms(filter: FilterExpr): FilterExpr[] {
  return filter.kind === 'and' && !filter.grouped ? filter.terms : [filter];
}

function fieldOf(o: Operand): string | undefined {
  return o.kind === 'field' ? o.name : undefined;
}

function mentions(expr: FilterExpr, field: string): boolean {
  if (expr.kind === 'compare') return fieldOf(expr.left) === field || fieldOf(expr.right) === field;
  if (expr.kind === 'in' || expr.kind === 'value') return fieldOf(expr.operand) === field;
  return false;
}

/**
 * MLS Grid: every data request carries exactly one `<field> eq '<value>'` as a top-level `and`
 * term, not wrapped in parentheses.
 */
export function requiredEquality(filter: FilterExpr | undefined, field: string, value: string): Rejection | undefined {
  const example = `${field} eq '${value.replace(/'/g, "''")}'`;
  const uses = filter ? [...walk(filter)].filter((e) => mentions(e, field)) : [];
  if (uses.length === 0) return violation('required-filter-missing', `every request must filter on ${example}`);
  if (uses.length > 1) return violation('required-filter-doubled', `${field} may appear only once in $filter`);
  const clause = uses[0] as FilterExpr;
  const top = topLevelTerms(filter as FilterExpr);
  if (!top.includes(clause) || clause.grouped) {
    return violation('required-filter-parenthesised', `${example} must be a top-level 'and' term, not inside parentheses or an 'or'`);
  }
  const literal = clause.kind === 'compare' ? (fieldOf(clause.left) === field ? clause.right : clause.left) : undefined;
  if (clause.kind !== 'compare' || clause.op !== 'eq' || literal?.kind !== 'string') {
    return violation('required-filter-form', `the ${field} clause must read ${example}`);
  }
  if (literal.value !== value) return violation('required-filter-value', `this feed is ${example}, not '${literal.value}'`);
  return undefined;
}

/** The filter without one top-level term (a clause every record satisfies). */
export function withoutTerm(query: ParsedQuery, term: FilterExpr): ParsedQuery {
  if (!query.filter) return query;
  const rest = topLevelTerms(query.filter).filter((t) => t !== term);
  if (rest.length === 0) {
    const { filter: _dropped, ...others } = query;
    return others;
  }
  const filter: FilterExpr = rest.length === 1 ? (rest[0] as FilterExpr) : { kind: 'and', terms: rest, pos: query.filter.pos };
  return { ...query, filter };
}

/** The top-level `<field> eq <literal>` term, if the filter has one. */
export function findEquality(filter: FilterExpr | undefined, field: string, matches: (l: Literal) => boolean): FilterExpr | undefined {
  if (!filter) return undefined;
  return topLevelTerms(filter).find(
    (t) =>
      t.kind === 'compare' &&
      !t.grouped &&
      t.op === 'eq' &&
      ((fieldOf(t.left) === field && t.right.kind !== 'field' && matches(t.right)) ||
        (fieldOf(t.right) === field && t.left.kind !== 'field' && matches(t.left))),
  );
}

/**
 * UtahRealEstate, RMLS: an enum field compared with a plain string (`StandardStatus eq 'Active'`)
 * is refused; the literal must be typed (`Namespace.StandardStatus'Active'`).
 */
export function typedEnumLiterals(filter: FilterExpr | undefined, entity: SimEntityType | undefined): Rejection | undefined {
  if (!filter || !entity) return undefined;
  const enumField = (o: Operand): string | undefined =>
    o.kind === 'field' && entity.byName.get(o.name)?.kind === 'enum' ? o.name : undefined;
  const untyped = (e: FilterExpr): { field: string; literal: Literal } | undefined => {
    if (e.kind === 'compare') {
      const left = enumField(e.left);
      if (left && e.right.kind === 'string') return { field: left, literal: e.right };
      const right = enumField(e.right);
      if (right && e.left.kind === 'string') return { field: right, literal: e.left };
    }
    if (e.kind === 'in') {
      const field = enumField(e.operand);
      const literal = e.values.find((v) => v.kind === 'string');
      if (field && literal) return { field, literal };
    }
    return undefined;
  };
  for (const e of walk(filter)) {
    const hit = untyped(e);
    if (!hit || hit.literal.kind !== 'string') continue;
    const type = entity.byName.get(hit.field)?.enum?.qualifiedName ?? 'Namespace.EnumType';
    return violation(
      'untyped-enum-literal',
      `${hit.field} is an enum: write ${type}'${hit.literal.value}', not '${hit.literal.value}' (at position ${hit.literal.pos})`,
    );
  }
  return undefined;
}

/** RMLS: no `in` operator; ID lists are `Key eq 'a' or Key eq 'b'`. */
export function noInOperator(filter: FilterExpr | undefined): Rejection | undefined {
  if (!filter) return undefined;
  for (const e of walk(filter)) {
    if (e.kind === 'in') return violation('in-not-supported', "the 'in' operator is not supported; write Key eq 'a' or Key eq 'b'");
  }
  return undefined;
}

/**
 * RMLS: an upper-case `OR` is refused (before parsing, which would only call it a syntax error).
 * Quoted strings are skipped, so `City eq 'OR'` is fine.
 */
export function lowerCaseOr(filterText: string | null): Rejection | undefined {
  if (!filterText) return undefined;
  const outsideQuotes = filterText.replace(/'(?:[^']|'')*'/g, "''");
  const m = /(?:^|[\s)])(OR|Or|oR)(?=[\s(])/.exec(outsideQuotes);
  return m ? violation('uppercase-or', `logical operators are lower-case: write 'or', not '${m[1]}'`) : undefined;
}
