/**
 * Rewrites the enum literals of a user's `$filter` into typed ones (`StandardStatus eq 'Active'`
 * → `StandardStatus eq Ns.StandardStatus'Active'`) for platforms that refuse plain strings
 * (UtahRealEstate, RMLS). Users write one filter whatever the platform; resync knows from
 * `$metadata` which fields are enums. Only comparisons of an enum field with a string literal are
 * touched; everything else is kept character for character.
 */
import { enumLiteral } from './query';

/** Namespace and name of a field's enum type, or undefined when the field is not an enum. */
export type EnumTypeOf = (field: string) => { namespace: string; name: string } | undefined;

type Token =
  | { kind: 'string'; text: string; value: string }
  | { kind: 'word'; text: string }
  | { kind: 'punct'; text: string }
  | { kind: 'space'; text: string }
  | { kind: 'other'; text: string };

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const ch = filter[i] as string;
    if (ch === "'") {
      let j = i + 1;
      let value = '';
      for (;;) {
        const q = filter.indexOf("'", j);
        if (q < 0) return [...tokens, { kind: 'other', text: filter.slice(i) }]; // unterminated: leave as is
        value += filter.slice(j, q);
        if (filter[q + 1] === "'") {
          value += "'";
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      tokens.push({ kind: 'string', text: filter.slice(i, j), value });
      i = j;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(filter.slice(i))?.[0];
    if (word) {
      // A name glued to a quote is an already typed literal: keep it whole.
      if (filter[i + word.length] === "'") {
        const rest = tokenize(filter.slice(i + word.length));
        const literal = rest[0];
        tokens.push({ kind: 'other', text: word + (literal?.text ?? '') });
        tokens.push(...rest.slice(1));
        return tokens;
      }
      tokens.push({ kind: 'word', text: word });
      i += word.length;
      continue;
    }
    const space = /^\s+/.exec(filter.slice(i))?.[0];
    if (space) {
      tokens.push({ kind: 'space', text: space });
      i += space.length;
      continue;
    }
    tokens.push({ kind: ch === '(' || ch === ')' || ch === ',' ? 'punct' : 'other', text: ch });
    i++;
  }
  return tokens;
}

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'has']);

export function typeEnumLiterals(filter: string, enumTypeOf: EnumTypeOf): string {
  const tokens = tokenize(filter);
  // Positions of the tokens that are not whitespace, for looking at neighbours.
  const solid = tokens.map((t, i) => (t.kind === 'space' ? -1 : i)).filter((i) => i >= 0);
  const at = (k: number): Token | undefined => (k >= 0 && k < solid.length ? tokens[solid[k] as number] : undefined);
  const typed = (type: { namespace: string; name: string }, t: Token & { kind: 'string' }) =>
    enumLiteral('typed', type.namespace, type.name, t.value);
  const replaced = new Map<number, string>();
  for (let k = 0; k < solid.length; k++) {
    const t = at(k);
    if (t?.kind !== 'string') continue;
    const op = at(k - 1);
    const opAfter = at(k + 1);
    // Field op 'x'
    if (op?.kind === 'word' && COMPARISONS.has(op.text)) {
      const field = at(k - 2);
      const type = field?.kind === 'word' ? enumTypeOf(field.text) : undefined;
      if (type) replaced.set(solid[k] as number, typed(type, t));
      continue;
    }
    // 'x' op Field
    if (opAfter?.kind === 'word' && COMPARISONS.has(opAfter.text)) {
      const field = at(k + 2);
      const type = field?.kind === 'word' ? enumTypeOf(field.text) : undefined;
      if (type) replaced.set(solid[k] as number, typed(type, t));
      continue;
    }
    // Field in ('x', 'y'): walk back over the list to the `in`.
    let j = k - 1;
    while (at(j)?.kind === 'string' || at(j)?.text === ',') j--;
    if (at(j)?.text === '(' && at(j - 1)?.text === 'in') {
      const field = at(j - 2);
      const type = field?.kind === 'word' ? enumTypeOf(field.text) : undefined;
      if (type) replaced.set(solid[k] as number, typed(type, t));
    }
  }
  return tokens.map((t, i) => replaced.get(i) ?? t.text).join('');
}
