/**
 * Compiles a `$filter` AST against an entity type into a predicate over one record. Type
 * checking happens once, at compile time, so a client error (a quoted timestamp, an unknown
 * field, an enum of the wrong type) is a 400 naming the position rather than a silent "no match".
 * Timestamps compare as instants, so offsets and 7-digit fractions behave.
 *
 * The record is read through a getter, so only the fields the filter names are ever generated.
 */
import type { FieldKind, SimField } from '../fields';
import type { CompareOp, FilterExpr, Literal, Operand } from './filter';
import { compareInstants, dateToInstant, instantOfValue } from './instant';
import type { Instant } from './instant';

export type RowGetter = (field: string) => unknown;
export type Predicate = (get: RowGetter) => boolean;

export type FilterField = Pick<SimField, 'name' | 'kind' | 'collection' | 'enum'>;

export class FilterTypeError extends Error {
  override readonly name = 'FilterTypeError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
  }
}

const FLIPPED: Record<CompareOp, CompareOp> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };

function test(op: CompareOp, c: number): boolean {
  switch (op) {
    case 'eq':
      return c === 0;
    case 'ne':
      return c !== 0;
    case 'gt':
      return c > 0;
    case 'ge':
      return c >= 0;
    case 'lt':
      return c < 0;
    case 'le':
      return c <= 0;
  }
}

function cmpPrimitive(a: string | number | boolean, b: string | number | boolean): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A value normalised for comparison: instants for timestamps, the JSON value otherwise. */
type Comparable = string | number | boolean | Instant;

function compareComparable(a: Comparable, b: Comparable): number {
  if (typeof a === 'object' && typeof b === 'object') return compareInstants(a, b);
  return cmpPrimitive(a as string | number | boolean, b as string | number | boolean);
}

function literalLabel(lit: Literal): string {
  switch (lit.kind) {
    case 'datetime':
      return `DateTimeOffset ${lit.text}`;
    case 'date':
      return `Date ${lit.value}`;
    case 'enum':
      return `enum ${lit.type}'${lit.value}'`;
    case 'string':
      return `string '${lit.value}'`;
    case 'number':
      return `number ${lit.text}`;
    case 'boolean':
      return String(lit.value);
    case 'null':
      return 'null';
  }
}

const ORDERED_KINDS = new Set<FieldKind>(['string', 'integer', 'decimal', 'double', 'date', 'datetime']);

/**
 * Converts a literal to the comparable form of a field of kind `field`, or throws when the two
 * cannot be compared. Null is handled by the caller.
 */
function coerceLiteral(field: FilterField, lit: Literal): Comparable {
  const mismatch = (): FilterTypeError =>
    new FilterTypeError(
      `cannot compare ${field.name} (${field.enum ? `enum ${field.enum.name}` : field.kind}) with ${literalLabel(lit)}`,
      lit.pos,
    );
  switch (field.kind) {
    case 'datetime':
      if (lit.kind === 'datetime') return lit.value;
      if (lit.kind === 'date') return dateToInstant(lit.value);
      if (lit.kind === 'string') {
        throw new FilterTypeError(
          `${field.name} is a DateTimeOffset: write the timestamp unquoted (e.g. 2024-01-02T03:04:05Z), not as a string`,
          lit.pos,
        );
      }
      throw mismatch();
    case 'date':
      if (lit.kind === 'date') return lit.value;
      throw mismatch();
    case 'integer':
    case 'decimal':
    case 'double':
      if (lit.kind === 'number') return lit.value;
      throw mismatch();
    case 'string':
      if (lit.kind === 'string') return lit.value;
      throw mismatch();
    case 'boolean':
      if (lit.kind === 'boolean') return lit.value;
      throw mismatch();
    case 'enum': {
      const info = field.enum;
      if (lit.kind === 'string') return lit.value;
      if (lit.kind === 'enum' && info) {
        const typeName = lit.type.slice(lit.type.lastIndexOf('.') + 1);
        if (lit.type !== info.qualifiedName && typeName !== info.name) {
          throw new FilterTypeError(`${field.name} is of enum type ${info.qualifiedName}, not ${lit.type}`, lit.pos);
        }
        return lit.value;
      }
      throw mismatch();
    }
    default:
      throw new FilterTypeError(`${field.name} cannot be used in $filter`, lit.pos);
  }
}

/** Reads a field's value in comparable form; undefined for null. */
function valueReader(field: FilterField): (get: RowGetter) => Comparable | undefined {
  const name = field.name;
  if (field.kind === 'datetime') return (get) => instantOfValue(get(name));
  return (get) => {
    const v = get(name);
    return v === null || v === undefined ? undefined : (v as Comparable);
  };
}

export class FilterCompiler {
  constructor(private readonly fields: ReadonlyMap<string, FilterField>) {}

  compile(expr: FilterExpr): Predicate {
    switch (expr.kind) {
      case 'and': {
        const terms = expr.terms.map((t) => this.compile(t));
        return (get) => terms.every((t) => t(get));
      }
      case 'or': {
        const terms = expr.terms.map((t) => this.compile(t));
        return (get) => terms.some((t) => t(get));
      }
      case 'not': {
        const inner = this.compile(expr.expr);
        return (get) => !inner(get);
      }
      case 'value':
        return this.compileValue(expr.operand);
      case 'in':
        return this.compileIn(expr.operand, expr.values, expr.pos);
      case 'compare':
        return this.compileCompare(expr.op, expr.left, expr.right);
    }
  }

  private field(operand: Operand & { kind: 'field' }): FilterField {
    const f = this.fields.get(operand.name);
    if (!f) throw new FilterTypeError(`unknown field ${operand.name}`, operand.pos);
    if (f.collection) {
      throw new FilterTypeError(`${f.name} is a collection; any()/all() and 'has' are not supported by the simulator`, operand.pos);
    }
    return f;
  }

  private compileValue(operand: Operand): Predicate {
    if (operand.kind === 'boolean') return () => operand.value;
    if (operand.kind === 'field') {
      const f = this.field(operand);
      if (f.kind !== 'boolean') throw new FilterTypeError(`${f.name} is not Boolean; compare it with eq, ne, gt, …`, operand.pos);
      return (get) => get(f.name) === true;
    }
    throw new FilterTypeError('a literal on its own is not a condition', operand.pos);
  }

  private compileIn(operand: Operand, values: Literal[], pos: number): Predicate {
    if (operand.kind !== 'field') throw new FilterTypeError("the left side of 'in' must be a field", pos);
    const f = this.field(operand);
    const read = valueReader(f);
    const wantsNull = values.some((v) => v.kind === 'null');
    const wanted = values.filter((v) => v.kind !== 'null').map((v) => coerceLiteral(f, v));
    if (f.kind === 'datetime') {
      return (get) => {
        const v = read(get);
        return v === undefined ? wantsNull : wanted.some((w) => compareComparable(v, w) === 0);
      };
    }
    const set = new Set(wanted as Array<string | number | boolean>);
    return (get) => {
      const v = read(get);
      return v === undefined ? wantsNull : set.has(v as string | number | boolean);
    };
  }

  private compileCompare(op: CompareOp, left: Operand, right: Operand): Predicate {
    if (left.kind !== 'field' && right.kind === 'field') return this.compileCompare(FLIPPED[op], right, left);
    if (left.kind === 'field' && right.kind === 'field') return this.compileFieldPair(op, left, right);
    if (left.kind !== 'field' && right.kind !== 'field') {
      const result = this.compareLiterals(op, left, right);
      return () => result;
    }
    const f = this.field(left as Operand & { kind: 'field' });
    const read = valueReader(f);
    const lit = right as Literal;
    if (lit.kind === 'null') {
      if (op === 'eq') return (get) => read(get) === undefined;
      if (op === 'ne') return (get) => read(get) !== undefined;
      return () => false;
    }
    const target = coerceLiteral(f, lit);
    if (op !== 'eq' && op !== 'ne' && !ORDERED_KINDS.has(f.kind)) {
      throw new FilterTypeError(`${f.name} (${f.kind}) supports only eq and ne`, lit.pos);
    }
    return (get) => {
      const v = read(get);
      if (v === undefined) return op === 'ne';
      return test(op, compareComparable(v, target));
    };
  }

  private compileFieldPair(op: CompareOp, a: Operand & { kind: 'field' }, b: Operand & { kind: 'field' }): Predicate {
    const fa = this.field(a);
    const fb = this.field(b);
    const numeric = new Set<FieldKind>(['integer', 'decimal', 'double']);
    const compatible = fa.kind === fb.kind || (numeric.has(fa.kind) && numeric.has(fb.kind));
    if (!compatible) throw new FilterTypeError(`cannot compare ${fa.name} (${fa.kind}) with ${fb.name} (${fb.kind})`, b.pos);
    const ra = valueReader(fa);
    const rb = valueReader(fb);
    return (get) => {
      const va = ra(get);
      const vb = rb(get);
      if (va === undefined || vb === undefined) {
        const bothNull = va === undefined && vb === undefined;
        return op === 'eq' ? bothNull : op === 'ne' ? !bothNull : false;
      }
      return test(op, compareComparable(va, vb));
    };
  }

  private compareLiterals(op: CompareOp, a: Literal, b: Literal): boolean {
    const plain = (l: Literal): Comparable | undefined => {
      switch (l.kind) {
        case 'null':
          return undefined;
        case 'datetime':
          return l.value;
        case 'date':
          return dateToInstant(l.value);
        default:
          return l.value;
      }
    };
    const va = plain(a);
    const vb = plain(b);
    if (va === undefined || vb === undefined) return op === 'eq' ? va === vb : op === 'ne' ? va !== vb : false;
    if (typeof va !== typeof vb) throw new FilterTypeError(`cannot compare ${literalLabel(a)} with ${literalLabel(b)}`, b.pos);
    return test(op, compareComparable(va, vb));
  }
}

export function compileFilter(expr: FilterExpr, fields: ReadonlyMap<string, FilterField>): Predicate {
  return new FilterCompiler(fields).compile(expr);
}
