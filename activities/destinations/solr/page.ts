/**
 * Shapes a page before it is written: the transform hook, then the expanded children taken out
 * of each parent. Same rules as MysqlDestination's stage (records copied before a transform sees
 * them, children transformed with their parent, a parent without the property keeps its stored
 * children). It belongs in a destination-neutral module once the contract work moves it out of
 * mysql/ (issue #13); this copy keeps the Solr destination independent until then.
 */
import type { TransformContext } from '../../../config';
import type { ResourceModel, WriteReject } from '../destination';
import type { SolrDestinationConfig } from './config';
import { PARENT_KEY_FIELD } from './fields';

export interface StagedChildren {
  records: Record<string, unknown>[];
  /** For each child record: its parent's position in `parents`. */
  parentOf: number[];
  /** Parents (positions) whose children arrived: those are replaced. */
  delivered: Set<number>;
  /** Parents whose expansion the server cut short (a nextLink inside it): children added, none deleted. */
  truncated: Set<number>;
  rejects: WriteReject[];
  skipped: number;
}

export interface StagedPage {
  parents: Record<string, unknown>[];
  /** Per parent: its key as stored (after key mapping); children carry it as their parent key. */
  storedKeys: string[];
  /** The record as the MLS sent it, for rejects. */
  originals: Record<string, unknown>[];
  rejects: WriteReject[];
  skipped: number;
  children: StagedChildren[];
}

type Transformed = { record: Record<string, unknown> } | { skip: true } | { error: string };

export function keyText(record: Record<string, unknown>, keyField: string): string {
  const key = record[keyField];
  return typeof key === 'string' || typeof key === 'number' ? String(key) : '(no key)';
}

function runTransform(
  config: SolrDestinationConfig,
  resource: string,
  record: Record<string, unknown>,
  context: TransformContext,
): Transformed {
  let out: unknown;
  try {
    out = config.transform!(resource, record, context);
  } catch (err) {
    return { error: `transform threw: ${(err as Error).message}` };
  }
  if (out === null) return { skip: true };
  if (typeof out !== 'object' || out === undefined || Array.isArray(out)) {
    return {
      error: `transform returned ${out === undefined ? 'undefined' : Array.isArray(out) ? 'an array' : typeof out} (return the record, or null to skip it)`,
    };
  }
  return { record: out as Record<string, unknown> };
}

function childList(value: unknown): unknown[] | undefined {
  if (value === undefined) return undefined;
  if (value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function stagePage(
  config: SolrDestinationConfig,
  resource: ResourceModel,
  records: Record<string, unknown>[],
  storedKey: (resource: string, key: string) => string,
): StagedPage {
  const children = resource.children ?? [];
  const navigations = new Set(resource.entity.navigation.map((n) => n.name));
  const isNavigation = (name: string) => navigations.has(name.split('@', 1)[0]!);
  const page: StagedPage = {
    parents: [],
    storedKeys: [],
    originals: [],
    rejects: [],
    skipped: 0,
    children: children.map(() => ({ records: [], parentOf: [], delivered: new Set(), truncated: new Set(), rejects: [], skipped: 0 })),
  };
  const context = { source: resource.source };
  for (const record of records) {
    let parent = record;
    if (config.transform) {
      const bare = Object.fromEntries(Object.entries(record).filter(([name]) => !isNavigation(name)));
      const out = runTransform(config, resource.resource, bare, context);
      if ('skip' in out) {
        page.skipped++;
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
    const parentKey = storedKey(resource.resource, String(key));
    page.parents.push(parent);
    page.storedKeys.push(parentKey);
    page.originals.push(record);
    if (children.length === 0) continue;
    const parentView = Object.fromEntries(Object.entries(parent).filter(([name]) => !isNavigation(name)));
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
        if (config.transform) {
          const out = runTransform(config, child.resource, { ...row }, { ...context, parent: parentView, navigation: child.navigation });
          if ('skip' in out) {
            staged.skipped++;
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
        staged.records.push({ ...row, [PARENT_KEY_FIELD]: parentKey });
        staged.parentOf.push(at);
      }
    });
  }
  return page;
}
