/** Lucene query text built from values: every value quoted and escaped, never pasted raw. */

/** A term as a quoted phrase: on a `string` field, an exact match whatever characters it holds. */
export function quoteTerm(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** `field:("a" OR "b" …)`; callers keep lists within maxBooleanClauses (1024). */
export function anyOf(field: string, values: string[]): string {
  return `${field}:(${values.map(quoteTerm).join(' OR ')})`;
}

/** Values per OR list: below Solr's default maxBooleanClauses of 1024. */
export const TERMS_PER_QUERY = 500;

export function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
