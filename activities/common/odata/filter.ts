/**
 * OData v4 `$filter` parser: text → AST. Covers what replication clients send — comparisons
 * (`eq ne gt ge lt le`), `in (…)`, `and`, `or`, `not`, parentheses — over string, number,
 * boolean, null, DateTimeOffset, Date and typed enum literals. Functions, lambdas, arithmetic and
 * navigation paths are rejected with an error that names the position.
 *
 * Precedence, loosest first: `or`, `and`, `not`, comparison. `not` applies to the comparison or
 * parenthesised group after it (`not A eq 1` is `not (A eq 1)`). `and`/`or` chains are flattened
 * into n-ary nodes, so a 500-term `or` (an ID-list query) is not 500 levels deep.
 *
 * Positions are 0-based offsets into the (URL-decoded) filter text.
 *
 * Shared by the simulator (which evaluates filters) and `resync config check` (which refuses a
 * configured `$filter` that does not parse, and names the fields it uses that $metadata lacks).
 */
import { parseDate, parseDateTimeOffset } from './instant';
import type { Instant } from './instant';

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type Literal =
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: 'boolean'; value: boolean; pos: number }
  | { kind: 'null'; pos: number }
  | { kind: 'datetime'; value: Instant; text: string; pos: number }
  | { kind: 'date'; value: string; pos: number }
  /** `Namespace.EnumType'Member'`: `type` is the qualified type name as written. */
  | { kind: 'enum'; type: string; value: string; pos: number };

export type Operand = Literal | { kind: 'field'; name: string; pos: number };

export type FilterExpr = (
  | { kind: 'and' | 'or'; terms: FilterExpr[]; pos: number }
  | { kind: 'not'; expr: FilterExpr; pos: number }
  | { kind: 'compare'; op: CompareOp; left: Operand; right: Operand; pos: number }
  | { kind: 'in'; operand: Operand; values: Literal[]; pos: number }
  /** A bare operand used as a condition (a Boolean field, or `true`/`false`). */
  | { kind: 'value'; operand: Operand; pos: number }
) & {
  /** Written in parentheses. Meaningless to evaluation; some platforms refuse certain clauses in them. */
  grouped?: true;
};

export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
  constructor(
    message: string,
    /** 0-based offset into the filter text. */
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
  }
}

type Token =
  | { type: 'punct'; value: '(' | ')' | ','; pos: number }
  | { type: 'word'; value: string; pos: number }
  | { type: 'literal'; literal: Literal; pos: number }
  | { type: 'end'; pos: number };

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const KEYWORDS = new Set<string>([...COMPARE_OPS, 'and', 'or', 'not', 'in', 'true', 'false', 'null']);
const UNSUPPORTED_OPS = new Set<string>(['has', 'add', 'sub', 'mul', 'div', 'divby', 'mod']);
const MAX_DEPTH = 100;

const DATE_TIME_TOKEN = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?/y;
const DATE_TOKEN = /\d{4}-\d{2}-\d{2}/y;
const NUMBER_TOKEN = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const NAME_TOKEN = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;

function isNameChar(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_.]/.test(ch);
}

function matchAt(re: RegExp, text: string, pos: number): string | undefined {
  re.lastIndex = pos;
  return re.exec(text)?.[0];
}

/** Reads a single-quoted string starting at `pos` (the quote); `''` is an escaped quote. */
function readQuoted(text: string, pos: number): { value: string; end: number } {
  let value = '';
  let i = pos + 1;
  for (;;) {
    const q = text.indexOf("'", i);
    if (q < 0) throw new FilterSyntaxError('unterminated string literal', pos);
    value += text.slice(i, q);
    if (text[q + 1] === "'") {
      value += "'";
      i = q + 2;
    } else {
      return { value, end: q + 1 };
    }
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const ch = text[pos] as string;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      pos++;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ type: 'punct', value: ch, pos });
      pos++;
      continue;
    }
    if (ch === "'") {
      const { value, end } = readQuoted(text, pos);
      tokens.push({ type: 'literal', literal: { kind: 'string', value, pos }, pos });
      pos = end;
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === '-' && /[0-9]/.test(text[pos + 1] ?? ''))) {
      const start = pos;
      const dateTime = matchAt(DATE_TIME_TOKEN, text, pos);
      const date = dateTime ? undefined : matchAt(DATE_TOKEN, text, pos);
      let literal: Literal;
      let raw: string;
      if (dateTime) {
        raw = dateTime;
        if (!/(?:Z|[+-]\d{2}:\d{2})$/.test(raw))
          throw new FilterSyntaxError(`DateTimeOffset literal ${raw} needs a time zone (Z or ±hh:mm)`, start);
        const value = parseDateTimeOffset(raw);
        if (!value) throw new FilterSyntaxError(`invalid DateTimeOffset literal ${raw}`, start);
        literal = { kind: 'datetime', value, text: raw, pos: start };
      } else if (date) {
        raw = date;
        if (!parseDate(raw)) throw new FilterSyntaxError(`invalid Date literal ${raw}`, start);
        literal = { kind: 'date', value: raw, pos: start };
      } else {
        raw = matchAt(NUMBER_TOKEN, text, pos) as string;
        literal = { kind: 'number', value: Number(raw), text: raw, pos: start };
      }
      pos += raw.length;
      if (isNameChar(text[pos]) || text[pos] === ':' || text[pos] === '-' || text[pos] === "'") {
        throw new FilterSyntaxError(`malformed literal starting ${JSON.stringify(text.slice(start, pos + 1))}`, start);
      }
      tokens.push({ type: 'literal', literal, pos: start });
      continue;
    }
    const name = matchAt(NAME_TOKEN, text, pos);
    if (name) {
      const start = pos;
      pos += name.length;
      if (text[pos] === "'") {
        if (!name.includes('.')) {
          throw new FilterSyntaxError(`typed literal ${name}'…' is not supported (enum literals need a namespace-qualified type)`, start);
        }
        const { value, end } = readQuoted(text, pos);
        pos = end;
        tokens.push({ type: 'literal', literal: { kind: 'enum', type: name, value, pos: start }, pos: start });
        continue;
      }
      if (text[pos] === '/') throw new FilterSyntaxError(`navigation paths and lambda operators (${name}/…) are not supported`, pos);
      tokens.push({ type: 'word', value: name, pos: start });
      continue;
    }
    throw new FilterSyntaxError(`unexpected character ${JSON.stringify(ch)}`, pos);
  }
  tokens.push({ type: 'end', pos: text.length });
  return tokens;
}

function describe(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'the end of the filter';
    case 'punct':
      return `'${token.value}'`;
    case 'word':
      return `'${token.value}'`;
    case 'literal':
      return 'a literal';
  }
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i] as Token;
  }

  private next(): Token {
    return this.tokens[this.i++] as Token;
  }

  private isWord(value: string): boolean {
    const t = this.peek();
    return t.type === 'word' && t.value === value;
  }

  private isPunct(value: string): boolean {
    const t = this.peek();
    return t.type === 'punct' && t.value === value;
  }

  private expectPunct(value: '(' | ')' | ','): void {
    const t = this.peek();
    if (t.type !== 'punct' || t.value !== value) throw new FilterSyntaxError(`expected '${value}' but found ${describe(t)}`, t.pos);
    this.i++;
  }

  parse(): FilterExpr {
    const first = this.peek();
    if (first.type === 'end') throw new FilterSyntaxError('empty filter', first.pos);
    const expr = this.parseOr();
    const t = this.peek();
    if (t.type !== 'end') {
      if (t.type === 'punct' && t.value === ')') throw new FilterSyntaxError("unbalanced ')'", t.pos);
      throw this.unexpectedAfterCondition(t);
    }
    return expr;
  }

  private unexpectedAfterCondition(t: Token): FilterSyntaxError {
    if (t.type === 'word' && KEYWORDS.has(t.value.toLowerCase()) && !KEYWORDS.has(t.value)) {
      return new FilterSyntaxError(`operator '${t.value}' must be lower-case ('${t.value.toLowerCase()}')`, t.pos);
    }
    return new FilterSyntaxError(`expected 'and', 'or' or the end of the filter but found ${describe(t)}`, t.pos);
  }

  private parseOr(): FilterExpr {
    const first = this.parseAnd();
    if (!this.isWord('or')) return first;
    const terms = [first];
    while (this.isWord('or')) {
      this.i++;
      terms.push(this.parseAnd());
    }
    return { kind: 'or', terms, pos: first.pos };
  }

  private parseAnd(): FilterExpr {
    const first = this.parseUnary();
    if (!this.isWord('and')) return first;
    const terms = [first];
    while (this.isWord('and')) {
      this.i++;
      terms.push(this.parseUnary());
    }
    return { kind: 'and', terms, pos: first.pos };
  }

  private parseUnary(): FilterExpr {
    if (this.isWord('not')) {
      const t = this.next();
      return { kind: 'not', expr: this.nested(() => this.parseUnary()), pos: t.pos };
    }
    return this.parsePrimary();
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new FilterSyntaxError(`filter nests deeper than ${MAX_DEPTH} levels`, this.peek().pos);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private parsePrimary(): FilterExpr {
    if (this.isPunct('(')) {
      this.i++;
      const expr = this.nested(() => this.parseOr());
      this.expectPunct(')');
      return { ...expr, grouped: true };
    }
    const left = this.parseOperand();
    const t = this.peek();
    if (t.type === 'word' && COMPARE_OPS.has(t.value)) {
      this.i++;
      const right = this.parseOperand();
      return { kind: 'compare', op: t.value as CompareOp, left, right, pos: left.pos };
    }
    if (t.type === 'word' && t.value === 'in') {
      this.i++;
      return { kind: 'in', operand: left, values: this.parseList(), pos: left.pos };
    }
    if (t.type === 'word' && UNSUPPORTED_OPS.has(t.value)) throw new FilterSyntaxError(`operator '${t.value}' is not supported`, t.pos);
    if (t.type === 'word' && !['and', 'or'].includes(t.value)) {
      const lower = t.value.toLowerCase();
      if (KEYWORDS.has(lower)) throw new FilterSyntaxError(`operator '${t.value}' must be lower-case ('${lower}')`, t.pos);
      throw new FilterSyntaxError(`expected a comparison operator (eq, ne, gt, ge, lt, le, in) but found ${describe(t)}`, t.pos);
    }
    if (t.type === 'literal') {
      throw new FilterSyntaxError(`expected a comparison operator (eq, ne, gt, ge, lt, le, in) but found ${describe(t)}`, t.pos);
    }
    return { kind: 'value', operand: left, pos: left.pos };
  }

  private parseList(): Literal[] {
    this.expectPunct('(');
    const values: Literal[] = [];
    if (this.isPunct(')')) throw new FilterSyntaxError("'in' needs at least one value", this.peek().pos);
    for (;;) {
      const t = this.next();
      if (t.type !== 'literal' && !(t.type === 'word' && ['true', 'false', 'null'].includes(t.value))) {
        throw new FilterSyntaxError(`expected a literal in the 'in' list but found ${describe(t)}`, t.pos);
      }
      values.push(t.type === 'literal' ? t.literal : (this.keywordLiteral(t.value, t.pos) as Literal));
      if (this.isPunct(',')) {
        this.i++;
        continue;
      }
      this.expectPunct(')');
      return values;
    }
  }

  private keywordLiteral(word: string, pos: number): Literal | undefined {
    if (word === 'true' || word === 'false') return { kind: 'boolean', value: word === 'true', pos };
    if (word === 'null') return { kind: 'null', pos };
    return undefined;
  }

  private parseOperand(): Operand {
    const t = this.next();
    if (t.type === 'literal') return t.literal;
    if (t.type === 'word') {
      const keyword = this.keywordLiteral(t.value, t.pos);
      if (keyword) return keyword;
      if (KEYWORDS.has(t.value)) throw new FilterSyntaxError(`expected a field or a value but found '${t.value}'`, t.pos);
      if (this.isPunct('(')) throw new FilterSyntaxError(`function ${t.value}() is not supported`, t.pos);
      if (t.value.includes('.')) throw new FilterSyntaxError(`qualified name ${t.value} is not a field`, t.pos);
      return { kind: 'field', name: t.value, pos: t.pos };
    }
    throw new FilterSyntaxError(`expected a field or a value but found ${describe(t)}`, t.pos);
  }
}

export function parseFilter(text: string): FilterExpr {
  return new Parser(tokenize(text)).parse();
}
