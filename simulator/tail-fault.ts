/**
 * A download that silently loses its last pages while the server still reports the full
 * `@odata.count` — what purge must notice before it deletes anything.
 *
 * While `records` is above zero, every Property request that does not ask for `$count` has the
 * newest `records` listings (in ModificationTimestamp order, i.e. the last pages of a replication
 * download) filtered out; a request with `$count=true` (a first page, a count query) is answered
 * in full. The object is read on every request, so a test switches the fault on and off by
 * changing `records`.
 */
import type { Dataset } from './dataset';

export interface TailFault {
  records: number;
}

/** The URL the server answers instead of the one asked for (the stats keep the original). */
export function applyTailFault(url: URL, fault: TailFault | undefined, dataset: Dataset): URL {
  if (!fault || fault.records <= 0 || !/^\/odata\/Property\/?$/.test(url.pathname)) return url;
  if (url.searchParams.get('$count') === 'true') return url;
  const index = dataset.byModification;
  if (fault.records > index.size) return url;
  // Everything from the first hidden listing's timestamp on disappears.
  const cutoff = new Date(dataset.modifiedMs(index.at(index.size - fault.records))).toISOString();
  const faulty = new URL(url);
  const filter = url.searchParams.get('$filter');
  const hide = `ModificationTimestamp lt ${cutoff}`;
  faulty.searchParams.set('$filter', filter ? `(${filter}) and ${hide}` : hide);
  return faulty;
}
