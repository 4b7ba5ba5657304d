/**
 * Shapes a page before it is written, by the rules of the MySQL destination: the `transform`
 * hook runs on a copy of every record (the same page goes to every destination), expanded
 * navigation properties are taken out of each parent into child rows carrying the parent's key
 * as stored, and what cannot be staged (a failing transform, a missing key) is a reject.
 *
 * Nothing here is PostgreSQL-specific: issue #13 moves page shaping out of `mysql/` into one
 * shared module; until then this is the PostgreSQL destination's copy of those rules.
 */
import type { Logger } from 'pino';
import type { RecordTransform, TransformContext } from '../../../config';
import type { ResourceModel, WriteReject } from '../destination';

export interface StagedChildren {
  records: Record<string, unknown>[];
  /** For each child record: its parent's position in `parents`. */
  parentOf: number[];
  /** Parents whose children arrived (a parent without the property keeps the children it has). */
  delivered: Set<number>;
  /** Parents whose expansion the server cut short (a nextLink inside it). */
  truncated: Set<number>;
  rejects: WriteReject[];
  skipped: number;
}

export interface StagedPage {
  parents: Record<string, unknown>[];
  /** Written record → the record as the MLS sent it (rejects keep the original). */
  originals: Map<Record<string, unknown>, Record<string, unknown>>;
  rejects: WriteReject[];
  skipped: number;
  children: StagedChildren[];
}

export interface StageOptions {
  transform?: RecordTransform;
  /** MLS key → the key the parent is stored under (keyMapping.toDestination). */
  destinationKey: (resource: string, key: string) => string;
  /** The child row property that carries the parent's stored key. */
  parentKeyColumn: string;
  logger?: Logger | undefined;
  destination: string;
}

type Transformed = { record: Record<string, unknown> } | { skip: true } | { error: string };

function runTransform(fn: RecordTransform, resource: string, record: Record<string, unknown>, context: TransformContext): Transformed {
  let out: unknown;
  try {
    out = fn(resource, record, context);
  } catch (error) {
    return { error: `transform threw: ${(error as Error).message}` };
  }
  if (out === null) return { skip: true };
  if (typeof out !== 'object' || out === undefined || Array.isArray(out)) {
    return {
      error: `transform returned ${out === undefined ? 'undefined' : Array.isArray(out) ? 'an array' : typeof out} (return the record, or null to skip it)`,
    };
  }
  return { record: out as Record<string, unknown> };
}

/** A navigation's children: a collection, a single entity, or null (none); undefined when not sent. */
function childList(value: unknown): unknown[] | undefined {
  if (value === undefined) return undefined;
  if (value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function keyText(record: Record<string, unknown>, keyField: string): string {
  const key = record[keyField];
  return typeof key === 'string' || typeof key === 'number' ? String(key) : '(no key)';
}

export function stagePage(resource: ResourceModel, records: Record<string, unknown>[], opts: StageOptions): StagedPage {
  const children = resource.children ?? [];
  const navigations = new Set(resource.entity.navigation.map((n) => n.name));
  const isNavigation = (name: string) => navigations.has(name.split('@', 1)[0]!);
  const page: StagedPage = {
    parents: [],
    originals: new Map(),
    rejects: [],
    skipped: 0,
    children: children.map(() => ({ records: [], parentOf: [], delivered: new Set(), truncated: new Set(), rejects: [], skipped: 0 })),
  };
  const context = { source: resource.source };
  const log = (res: string, key: unknown) =>
    opts.logger?.debug({ destination: opts.destination, resource: res, key }, 'record skipped by transform');
  for (const record of records) {
    let parent = record;
    if (opts.transform) {
      const bare = Object.fromEntries(Object.entries(record).filter(([name]) => !isNavigation(name)));
      const out = runTransform(opts.transform, resource.resource, bare, context);
      if ('skip' in out) {
        page.skipped++;
        log(resource.resource, record[resource.keyField]);
        continue;
      }
      if ('error' in out) {
        page.rejects.push({ key: keyText(record, resource.keyField), field: null, reason: out.error, record });
        continue;
      }
      parent = out.record;
    }
    const key = parent[resource.keyField];
    if (key === null || key === undefined || key === '') {
      page.rejects.push({
        key: keyText(record, resource.keyField),
        field: resource.keyField,
        reason: `${resource.keyField} is missing after transform`,
        record,
      });
      continue;
    }
    const at = page.parents.length;
    page.parents.push(parent);
    page.originals.set(parent, record);
    if (children.length === 0) continue;
    const parentKey = opts.destinationKey(resource.resource, String(key));
    let parentView: Record<string, unknown> | undefined;
    children.forEach((child, i) => {
      const staged = page.children[i]!;
      const list = childList(record[child.navigation]);
      if (!list) return;
      staged.delivered.add(at);
      if (record[`${child.navigation}@odata.nextLink`] !== undefined) staged.truncated.add(at);
      for (const item of list) {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) {
          staged.rejects.push({
            key: `${String(key)}/${child.navigation}`,
            field: null,
            reason: `an expanded ${child.navigation} is not an object`,
            record: { value: item },
          });
          continue;
        }
        let row = item as Record<string, unknown>;
        if (opts.transform) {
          parentView ??= Object.fromEntries(Object.entries(parent).filter(([name]) => !isNavigation(name)));
          const out = runTransform(
            opts.transform,
            child.resource,
            { ...row },
            { ...context, parent: parentView, navigation: child.navigation },
          );
          if ('skip' in out) {
            staged.skipped++;
            log(child.resource, row[child.keyField]);
            continue;
          }
          if ('error' in out) {
            staged.rejects.push({ key: keyText(row, child.keyField), field: null, reason: out.error, record: row });
            continue;
          }
          row = out.record;
        }
        const childKey = row[child.keyField];
        if (childKey === null || childKey === undefined || childKey === '') {
          staged.rejects.push({
            key: keyText(row, child.keyField),
            field: child.keyField,
            reason: `${child.keyField} is missing`,
            record: item as Record<string, unknown>,
          });
          continue;
        }
        const stored = { ...row, [opts.parentKeyColumn]: parentKey };
        staged.records.push(stored);
        staged.parentOf.push(at);
        page.originals.set(stored, { ...(item as Record<string, unknown>), [opts.parentKeyColumn]: parentKey });
      }
    });
  }
  return page;
}
