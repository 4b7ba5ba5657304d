/**
 * Checks a parsed query against the entity type and the personality's rules. Every failure is a
 * 400 that counts as a violation: a client that sends it has a bug or breaks a platform rule.
 */
import type { ParsedQuery } from '../odata/query';
import type { Personality } from '../personalities/types';
import { badRequest, refused } from './errors';
import type { EntityTable } from './table';

function checkFields(table: EntityTable, names: readonly string[], option: string): void {
  for (const name of names) {
    if (name === '*') continue;
    if (!table.type.byName.has(name)) throw badRequest(`invalid-${option.slice(1)}`, `${option}: ${table.name} has no field ${name}`);
  }
}

export function validateQuery(table: EntityTable, query: ParsedQuery, personality: Personality): void {
  if (query.select) checkFields(table, query.select, '$select');
  if (query.orderby) {
    if (!personality.orderbyAllowed) throw badRequest('orderby-not-allowed', `$orderby is not allowed by ${personality.name}`);
    for (const term of query.orderby) {
      const field = table.type.byName.get(term.field);
      if (!field) throw badRequest('invalid-orderby', `$orderby: ${table.name} has no field ${term.field}`);
      if (field.collection) throw badRequest('invalid-orderby', `$orderby: ${term.field} is a collection`);
    }
  }
  for (const item of query.expand ?? []) {
    const nav = table.navigation.get(item.name);
    if (!nav) throw badRequest('invalid-expand', `$expand: ${table.name} has no navigation property ${item.name}`);
    if (item.select) checkFields(nav.target, item.select, '$select');
    if (item.select && personality.selectInsideExpand === false) {
      throw badRequest('select-inside-expand', `${personality.name} does not accept $select inside $expand (${item.name})`);
    }
  }
  const cap = topCap(table, query, personality);
  if (query.top !== undefined && query.top > cap.max) {
    throw badRequest('top-over-cap', `$top=${query.top} exceeds the maximum of ${cap.max}${cap.what}`);
  }
  if (query.skip !== undefined && personality.maxSkip !== undefined && query.skip > personality.maxSkip) {
    throw badRequest('skip-over-cap', `$skip=${query.skip} exceeds the maximum of ${personality.maxSkip}`);
  }
  if (query.skip !== undefined && personality.deepSkipLimit !== undefined && query.skip > personality.deepSkipLimit) {
    throw refused(
      'skip-too-deep',
      `$skip=${query.skip} is deeper than ${personality.deepSkipLimit}; query again from the last timestamp received`,
    );
  }
}

/** Key and timestamp fields: what purge and reconcile download, and what some platforms page in bulk. */
function isKeyOnly(table: EntityTable, select: string[] | undefined): boolean {
  if (!select || select.includes('*')) return false;
  return select.every((f) => f === table.keyField || table.timestampIndexes.has(f));
}

/** The `$top` cap that applies: with `$expand`, key-only, or for full records. */
export function topCap(table: EntityTable, query: ParsedQuery, personality: Personality): { max: number; what: string } {
  if (query.expand?.length) return { max: personality.expandMaxTop ?? personality.maxTop, what: ' with $expand' };
  if (isKeyOnly(table, query.select)) return { max: personality.keyOnlyMaxTop ?? personality.maxTop, what: ' when selecting keys only' };
  return { max: personality.maxTop, what: '' };
}
