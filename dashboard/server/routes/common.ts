// Pieces several routes share: the source a path names, and the summary of a source's config.
import type { Config } from '../../../config';
import type { Process, SourceSummary } from '../api-types';
import { notFound } from '../http';
import { originOf } from '../scrub';

export function sourceOf(config: Config, name: string) {
  const src = config.sources[name];
  if (!src) throw notFound(`no source "${name}" in the config (known: ${Object.keys(config.sources).join(', ')})`);
  return src;
}

/** What the pages may know of a source: never its URL's path, query or credentials, never its auth. */
export function summarize(config: Config, name: string): SourceSummary {
  const src = sourceOf(config, name);
  const scheduled = (['sync', 'purge', 'reconcile'] as Process[]).filter((p) => !!src.schedules?.[p]);
  return {
    name,
    platform: src.platform,
    origin: originOf(src.url),
    resources: src.resources.map((r) => r.name),
    destinations: src.destinations ?? Object.keys(config.destinations),
    scheduled,
  };
}
