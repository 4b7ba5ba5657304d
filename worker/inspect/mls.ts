/**
 * Small direct reads from the MLS for the operator's commands (status, record): how many records,
 * the newest timestamp, one record by key. They go through the source's HTTP client, so auth, rate
 * limits and the platform's required filter apply exactly as they do for a sync.
 */
import type { ResourceModel } from '../../activities/destinations';
import type { Runtime } from '../../activities/runtime';
import { canonicalTimestamp } from '../../activities/common/timestamps';
import { countUrl, newestUrl, recordUrl, type RequestTarget } from '../../activities/source/requests';

function targetOf(runtime: Runtime, model: ResourceModel): RequestTarget & { src: ReturnType<Runtime['source']> } {
  return { src: runtime.source(model.source), resource: model, resourceConfig: runtime.resourceConfig(model.source, model.resource) };
}

/** `@odata.count` of the resource as configured (its filter too); null when the platform does not count. */
export async function mlsCount(runtime: Runtime, model: ResourceModel): Promise<number | null> {
  const target = targetOf(runtime, model);
  if (!target.src.platform.supportsCount) return null;
  // Live records only (MLS Grid: not the `MlgCanView=false` deletion notices): what a destination should hold.
  return (await target.src.http.getCollection(countUrl(target, { liveOnly: true }))).count;
}

/** Newest cursor timestamp (canonical UTC); null when the platform forbids `$orderby` or has no records. */
export async function mlsNewest(runtime: Runtime, model: ResourceModel): Promise<string | null> {
  const target = targetOf(runtime, model);
  if (!target.src.platform.orderbyAllowed) return null;
  const value = (await target.src.http.getCollection(newestUrl(target))).records[0]?.[model.cursorField];
  return typeof value === 'string' ? (canonicalTimestamp(value) ?? null) : null;
}

/**
 * One record by key, with the fields a sync would download (the resource's `select`, when set).
 * A `$filter` on the key rather than `Resource('key')`: every platform answers a filter, not every
 * one serves single entities, and the required filter can ride along.
 */
export async function mlsRecord(runtime: Runtime, model: ResourceModel, key: string): Promise<Record<string, unknown> | null> {
  const target = targetOf(runtime, model);
  // Sync's fields; children are left out (the comparison is of the record's own fields).
  return (await target.src.http.getCollection(recordUrl(target, key))).records[0] ?? null;
}
