/**
 * A fresh URL for a media file whose URL expired (signed URLs: Trestle, Bridge, MLS Grid's CDN):
 * the parent is fetched again by key with its Media expanded (or the Media record itself), through
 * the same request building as every other request, and the Media row's stored URL is updated.
 */
import type { PendingMedia } from '../destinations/media-files';
import { byKeysUrls, recordUrl } from '../source/requests';
import { isNumericKey } from '../source/replicated-fields';
import type { Runtime } from '../runtime';
import type { MediaContext } from './context';

export async function freshMediaUrl(runtime: Runtime, ctx: MediaContext, m: PendingMedia): Promise<string | null> {
  const { src, resource, media } = ctx;
  const target = { src, resource, resourceConfig: runtime.resourceConfig(resource.source, resource.resource) };
  const child = resource.children?.find((c) => c.navigation === media.navigation);
  let found: Record<string, unknown> | undefined;
  if (child) {
    if (m.parentKey === null) return null;
    const [url] = byKeysUrls(target, [m.parentKey], { numericKey: isNumericKey(resource), maxKeys: 1 });
    if (!url) return null;
    const page = await src.http.getCollection(url, ctx.signal);
    const parent = page.records.find((r) => String(r[resource.keyField]) === m.parentKey);
    const children = parent?.[child.navigation];
    const list = Array.isArray(children) ? (children as unknown[]) : [];
    found = list.find(
      (c): c is Record<string, unknown> =>
        typeof c === 'object' && c !== null && String((c as Record<string, unknown>)[child.keyField]) === m.mediaKey,
    );
  } else {
    const page = await src.http.getCollection(recordUrl(target, m.mediaKey), ctx.signal);
    found = page.records.find((r) => String(r[resource.keyField]) === m.mediaKey);
  }
  const url = found?.MediaURL;
  if (typeof url !== 'string' || url === '') return null;
  // The rows keep the URL that works (in every destination with a files ledger), for readers and the next download.
  await ctx.ledgers.updateMediaUrl(m.mediaKey, url);
  return url;
}
