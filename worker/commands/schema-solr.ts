/**
 * `resync schema apply --solr <url>`, and `-m <source>` for the source's configured Solr
 * destinations: makes the cores (standalone) and fields a sync into Solr would make, through the
 * same SolrDestination planner and Schema API calls as sync; `--dry-run` lists them and changes
 * nothing. A second apply adds nothing.
 */
import type { ResourceModel, SchemaChange } from '../../activities/destinations';
import { SolrDestination, type SolrDestinationConfig } from '../../activities/destinations/solr';
import type { Config } from '../../config';
import type { FailedResource, ResourceSelection, SchemaApplySummary } from './schema';

const SOLR_URL = /^https?:\/\/[^/]+(\/.*)?$/;

/** One Solr node to apply to: its name in the output and the destination settings (core naming included). */
export interface SolrSchemaTarget {
  name: string;
  config: SolrDestinationConfig;
}

/** `--solr <url>`: cores named `<prefix><Resource>`, the node's default configset. */
export function plainSolrTarget(url: string, prefix: string): SolrSchemaTarget {
  if (!SOLR_URL.test(url)) throw new Error('--solr must be the http(s) URL of the Solr base, e.g. http://127.0.0.1:8983/solr');
  const base = url.replace(/\/+$/, '');
  return { name: base, config: { type: 'solr', url: base, makeCoreName: (_source, resource) => `${prefix}${resource}` } };
}

/**
 * The source's Solr destinations that let resync manage their schema, each with its own core
 * naming (makeCoreName, else corePrefix), configset and timeouts, so the cores are the ones its
 * sync makes; `--table-prefix` goes before those names.
 */
export function configuredSolrTargets(config: Config, source: string, prefix: string, print: (line: string) => void): SolrSchemaTarget[] {
  const targets: SolrSchemaTarget[] = [];
  for (const name of config.sources[source]?.destinations ?? Object.keys(config.destinations)) {
    const dest = config.destinations[name];
    if (dest?.type !== 'solr') continue;
    if (!dest.manageSchema) {
      print(`skipped destination ${name}: manageSchema is off`);
      continue;
    }
    const { corePrefix, makeCoreName, ...rest } = dest;
    const core = (s: string, r: string) => makeCoreName?.(s, r) ?? `${corePrefix ?? ''}${r}`;
    targets.push({ name, config: { ...rest, makeCoreName: (s, r) => `${prefix}${core(s, r)}` } });
  }
  return targets;
}

/** Applies the selected resources' cores; failures are per resource, as for MySQL. */
export async function applySolrSchema(
  selection: ResourceSelection,
  target: SolrSchemaTarget,
  dryRun: boolean,
  print: (line: string) => void,
  fail: (failure: FailedResource) => void,
): Promise<SchemaApplySummary> {
  const dest = new SolrDestination(target.name, target.config);
  const summary: SchemaApplySummary = { changes: [], upToDate: 0, tables: 0, failed: [] };
  const comment = (line: string): string => (dryRun ? `-- ${line}` : line);
  try {
    for (const r of selection.resources) {
      const keyField = r.entity.key[0];
      if (!keyField || r.entity.key.length > 1) {
        fail({
          resource: r.resource,
          reason: `Solr needs a single-field key, and ${r.entity.name} has ${r.entity.key.join(', ') || 'none'}`,
        });
        continue;
      }
      // The core planner takes a resource without a cursor field (a core keyed by id alone), which
      // schema apply allows for resources named with --resource.
      const resource = { ...r, keyField } as ResourceModel;
      let changes: SchemaChange[];
      try {
        changes = await dest.applySchema(resource, { dryRun });
      } catch (err) {
        fail({ resource: r.resource, reason: (err instanceof Error ? err.message : String(err)).split('\n')[0]! });
        continue;
      }
      summary.tables += 1;
      if (changes.length === 0) summary.upToDate += 1;
      for (const c of changes) print(comment(`${c.action} ${c.table}: ${c.detail}`));
      summary.changes.push(...changes);
    }
  } finally {
    await dest.close();
  }
  return summary;
}
