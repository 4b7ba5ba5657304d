/**
 * Small direct reads from the MLS for the operator's commands (status, record): how many records,
 * the newest timestamp, one record by key. They go through the source's HTTP client, so auth, rate
 * limits and the platform's required filter apply exactly as they do for a sync.
 */
import type { ResourceModel } from '../../activities/destinations';
import type { Runtime } from '../../activities/runtime';
import { canonicalTimestamp } from '../../activities/common/timestamps';
import { buildResourceUrl, composeFilter, keyLiteral } from '../../activities/source/query';
import { isNumericKey, replicatedFields } from '../../activities/source/replicated-fields';
import { requiredClauses } from '../../activities/source/paging';

function requestParts(runtime: Runtime, model: ResourceModel) {
  const src = runtime.source(model.source);
  const resourceConfig = runtime.resourceConfig(model.source, model.resource);
  return {
    src,
    resourceConfig,
    root: src.config.url,
    path: src.platform.resourcePath(model.resource),
    // Live records only (MLS Grid: not the `MlgCanView=false` deletion notices): what a destination should hold.
    required: requiredClauses({ platform: src.platform, requiredFilter: src.platform.requiredFilter?.(src.config), liveOnly: true }),
  };
}

/** `@odata.count` of the resource as configured (its filter too); null when the platform does not count. */
export async function mlsCount(runtime: Runtime, model: ResourceModel): Promise<number | null> {
  const { src, resourceConfig, root, path, required } = requestParts(runtime, model);
  if (!src.platform.supportsCount) return null;
  const url = buildResourceUrl(root, path, {
    filter: composeFilter({ required, user: resourceConfig.filter, window: [] }),
    select: [model.keyField],
    top: 1,
    count: true,
  });
  return (await src.http.getCollection(url)).count;
}

/** Newest cursor timestamp (canonical UTC); null when the platform forbids `$orderby` or has no records. */
export async function mlsNewest(runtime: Runtime, model: ResourceModel): Promise<string | null> {
  const { src, resourceConfig, root, path, required } = requestParts(runtime, model);
  if (!src.platform.orderbyAllowed) return null;
  const url = buildResourceUrl(root, path, {
    filter: composeFilter({ required, user: resourceConfig.filter, window: [] }),
    select: [model.keyField, model.cursorField],
    orderby: [`${model.cursorField} desc`],
    top: 1,
  });
  const value = (await src.http.getCollection(url)).records[0]?.[model.cursorField];
  return typeof value === 'string' ? (canonicalTimestamp(value) ?? null) : null;
}

/**
 * One record by key, with the fields a sync would download (the resource's `select`, when set).
 * A `$filter` on the key rather than `Resource('key')`: every platform answers a filter, not every
 * one serves single entities, and the required filter can ride along.
 */
export async function mlsRecord(runtime: Runtime, model: ResourceModel, key: string): Promise<Record<string, unknown> | null> {
  const { src, resourceConfig, root, path, required } = requestParts(runtime, model);
  // Sync's fields; children are left out (the comparison is of the record's own fields).
  const { select } = replicatedFields(model, resourceConfig, src.platform);
  const url = buildResourceUrl(root, path, {
    filter: composeFilter({ required, window: [`${model.keyField} eq ${keyLiteral(key, isNumericKey(model))}`] }),
    ...(select ? { select } : {}),
    top: 1,
  });
  return (await src.http.getCollection(url)).records[0] ?? null;
}
