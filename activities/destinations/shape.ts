/**
 * Shapes a page of MLS records the same way for every destination, before any of them writes it:
 * one copy per key (newest timestamp wins, the last among equals), the `transform` hook run on a
 * copy of every record (the same page goes to every destination), expanded navigation properties
 * taken out of each parent into child rows carrying the parent's stored key, and keys mapped to
 * the form the destination stores them in. What cannot be shaped (a failing transform, a missing
 * key, a child that is not an object) is a reject. Destinations only convert and write the result.
 */
import type { Logger } from 'pino';
import type { RecordTransform, TransformContext } from '../../config';
import type { ChildModel, ChildWriteResult, ConversionNotice, ResourceModel, WriteReject, WriteResult } from './destination';
import { latestPerKey } from './duplicates';
import { carryLine } from '../common/load-lines';

/** The destination's hooks and names shaping needs. */
export interface ShapeHooks {
  /** The destination's name, for logs. */
  destination: string;
  transform?: RecordTransform | undefined;
  /** MLS key → the key stored (the config's keyMapping.toDestination); the MLS key when absent. */
  toDestination?: ((key: string, resource: string) => string) | undefined;
  /** The child row property that carries the parent's stored key (a column, a Solr field). */
  parentKeyField: string;
  logger?: Logger | undefined;
}

/** What every destination kind's config carries for shaping. */
export interface DestinationHooksConfig {
  transform?: RecordTransform | undefined;
  keyMapping?: { toDestination: (key: string, resource: string) => string } | undefined;
}

/** The shaping hooks of a destination config; `parentKeyField` is where its child rows keep the parent's key. */
export function shapeHooks(destination: string, config: DestinationHooksConfig, parentKeyField: string, logger?: Logger): ShapeHooks {
  const mapping = config.keyMapping;
  return {
    destination,
    transform: config.transform,
    toDestination: mapping ? (key, resource) => mapping.toDestination(key, resource) : undefined,
    parentKeyField,
    logger,
  };
}

export interface ShapedChildren {
  /** Child rows, transformed, each with `parentKeyField` set to its parent's stored key. */
  records: Record<string, unknown>[];
  /** For each child row: its own key as stored (key mapping applied under the child's resource name). */
  storedKeys: string[];
  /** For each child row: its parent's position in `parents`. */
  parentOf: number[];
  /** Parents whose children arrived: those are replaced (a parent without the property keeps its children). */
  delivered: Set<number>;
  /** Parents whose expansion the server cut short (a nextLink inside it): children added, none deleted. */
  truncated: Set<number>;
  /** Children that could not even be shaped (not an object, no key, a failing transform). */
  rejects: WriteReject[];
  skipped: number;
}

export interface ShapedPage {
  /** Parents to write, transformed, without any change to their own fields, in page order. */
  parents: Record<string, unknown>[];
  /** Per parent: its key as stored (after key mapping). */
  storedKeys: string[];
  /** Shaped record (parent or child row) → the record as the MLS sent it: rejects keep the original. */
  originals: Map<Record<string, unknown>, Record<string, unknown>>;
  rejects: WriteReject[];
  /** Parents a transform returned null for. */
  skipped: number;
  /** Copies of a key sent twice in the page, left out. */
  dropped: number;
  /** One entry per `resource.children`, in that order. */
  children: ShapedChildren[];
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

/**
 * The children a navigation property delivered: a collection, a single entity, or null (none).
 * Undefined when the record does not carry the property: then nothing is known about them.
 */
function childList(value: unknown): unknown[] | undefined {
  if (value === undefined) return undefined;
  if (value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function keyText(record: Record<string, unknown>, keyField: string): string {
  const key = record[keyField];
  return typeof key === 'string' || typeof key === 'number' ? String(key) : '(no key)';
}

function isBlank(key: unknown): boolean {
  return key === null || key === undefined || key === '';
}

/** The names of the resource's navigation properties, expanded or not. */
export function navigationNames(resource: ResourceModel): string[] {
  return resource.entity.navigation.map((n) => n.name);
}

/**
 * True for a navigation property of the resource and its annotations (`Media@odata.nextLink`):
 * those are not fields of the parent row.
 */
export function navigationFields(resource: ResourceModel): (name: string) => boolean {
  const navigations = new Set(navigationNames(resource));
  return (name) => navigations.has(name.split('@', 1)[0]!);
}

export function shapePage(resource: ResourceModel, sent: Record<string, unknown>[], hooks: ShapeHooks): ShapedPage {
  const { records, dropped } = latestPerKey(sent, resource.keyField, resource.cursorField);
  if (dropped > 0) {
    hooks.logger?.debug(
      { destination: hooks.destination, resource: resource.resource, dropped },
      'keys sent twice in one page: one copy kept',
    );
  }
  const children = resource.children ?? [];
  const isNavigation = navigationFields(resource);
  const withoutNavigations = (record: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(record).filter(([name]) => !isNavigation(name)));
  const stored = (res: string, key: string) => (hooks.toDestination ? hooks.toDestination(key, res) : key);
  const skippedLog = (res: string, key: unknown) =>
    hooks.logger?.debug({ destination: hooks.destination, resource: res, key }, 'record skipped by transform');
  const page: ShapedPage = {
    parents: [],
    storedKeys: [],
    originals: new Map(),
    rejects: [],
    skipped: 0,
    dropped,
    children: children.map(() => ({
      records: [],
      storedKeys: [],
      parentOf: [],
      delivered: new Set(),
      truncated: new Set(),
      rejects: [],
      skipped: 0,
    })),
  };
  const context = { source: resource.source };
  for (const record of records) {
    let parent = record;
    if (hooks.transform) {
      const out = runTransform(hooks.transform, resource.resource, withoutNavigations(record), context);
      if ('skip' in out) {
        page.skipped++;
        skippedLog(resource.resource, record[resource.keyField]);
        continue;
      }
      if ('error' in out) {
        page.rejects.push({ key: keyText(record, resource.keyField), field: null, reason: out.error, record });
        continue;
      }
      parent = out.record;
    }
    const key = parent[resource.keyField];
    if (isBlank(key)) {
      page.rejects.push({
        key: keyText(record, resource.keyField),
        field: resource.keyField,
        reason: `${resource.keyField} is missing after transform`,
        record,
      });
      continue;
    }
    const at = page.parents.length;
    const parentKey = stored(resource.resource, String(key));
    page.parents.push(parent);
    page.storedKeys.push(parentKey);
    page.originals.set(parent, record);
    if (children.length === 0) continue;
    // Child transforms see the parent as it will be stored, without its navigation properties.
    let parentView: Record<string, unknown> | undefined;
    children.forEach((child, i) => {
      const shaped = page.children[i]!;
      const list = childList(record[child.navigation]);
      if (!list) return; // not delivered: the stored children stay as they are
      shaped.delivered.add(at);
      if (record[`${child.navigation}@odata.nextLink`] !== undefined) shaped.truncated.add(at);
      for (const item of list) {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) {
          shaped.rejects.push({
            key: `${String(key)}/${child.navigation}`,
            field: null,
            reason: `an expanded ${child.navigation} is not an object`,
            record: { value: item },
          });
          continue;
        }
        const sentRow = item as Record<string, unknown>;
        let row = sentRow;
        if (hooks.transform) {
          parentView ??= withoutNavigations(parent);
          const out = runTransform(
            hooks.transform,
            child.resource,
            { ...row },
            { ...context, parent: parentView, navigation: child.navigation },
          );
          if ('skip' in out) {
            shaped.skipped++;
            skippedLog(child.resource, row[child.keyField]);
            continue;
          }
          if ('error' in out) {
            shaped.rejects.push({ key: keyText(row, child.keyField), field: null, reason: out.error, record: row });
            continue;
          }
          row = out.record;
        }
        const childKey = row[child.keyField];
        if (isBlank(childKey)) {
          shaped.rejects.push({
            key: keyText(sentRow, child.keyField),
            field: child.keyField,
            reason: `${child.keyField} is missing`,
            record: sentRow,
          });
          continue;
        }
        const out = { ...row, [hooks.parentKeyField]: parentKey };
        shaped.records.push(out);
        shaped.storedKeys.push(stored(child.resource, String(childKey)));
        shaped.parentOf.push(at);
        // Untransformed, the row is the original (nothing writes to shaped rows): no second copy of
        // every child (5,000 a page of listings with their Media). Its LOAD DATA line, written
        // with the parent's key, still stands for it.
        page.originals.set(out, row === sentRow ? out : { ...sentRow, [hooks.parentKeyField]: parentKey });
        if (row === sentRow) carryLine(sentRow, out);
      }
    });
  }
  return page;
}

/** Where a navigation's shaped children belong, as every destination's writer takes it beside the rows. */
export function childPlacement(child: ChildModel, staged: ShapedChildren) {
  return {
    navigation: child.navigation,
    resource: child.resource,
    parentOf: staged.parentOf,
    delivered: staged.delivered,
    truncated: staged.truncated,
    skipped: staged.skipped,
  };
}

/** What a destination's own writer reports for a shaped page, before shaping's rejects are added. */
export interface WrittenPage {
  upserted: number;
  rejects: WriteReject[];
  children: ChildWriteResult[];
}

/**
 * The page's WriteResult from what shaping refused and what the writer wrote: rejects keep the
 * record as the MLS sent it (with its children), not the transformed copy; values stored by a
 * named rule are logged once per field and returned.
 */
export function pageWriteResult(
  resource: ResourceModel,
  page: ShapedPage,
  written: WrittenPage,
  decisions: ConversionNotice[],
  log: { destination: string; logger?: Logger },
): WriteResult {
  const original = (r: WriteReject): WriteReject => ({ ...r, record: page.originals.get(r.record) ?? r.record });
  const result: WriteResult = {
    upserted: written.upserted,
    rejects: [...page.rejects, ...written.rejects.map(original)],
    skipped: page.skipped,
  };
  if (resource.children?.length) {
    result.children = written.children.map((c, i) => ({ ...c, rejects: [...page.children[i]!.rejects, ...c.rejects.map(original)] }));
  }
  if (decisions.length > 0) {
    result.decisions = decisions;
    for (const d of decisions) {
      log.logger?.warn({ destination: log.destination, resource: resource.resource, ...d }, `values stored by the rule ${d.decision}`);
    }
  }
  return result;
}
