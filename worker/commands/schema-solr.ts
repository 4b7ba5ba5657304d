/**
 * `resync schema apply --solr <url>`: makes the cores (standalone) and fields a sync into Solr
 * would make, from a `$metadata` file or a configured source, through the same SolrDestination
 * planner and Schema API calls as sync; `--dry-run` lists them and changes nothing. A second apply
 * adds nothing.
 */
import type { ResourceModel, SchemaChange } from '../../activities/destinations';
import { SolrDestination } from '../../activities/destinations/solr';
import type { FailedResource, ResourceSelection, SchemaApplySummary } from './schema';

const SOLR_URL = /^https?:\/\/[^/]+(\/.*)?$/;

export interface SolrSchemaApplyOptions {
  solr: string;
  dryRun?: boolean | undefined;
  /** Put before every core name (as a Solr destination's corePrefix). */
  corePrefix?: string | undefined;
}

/** Applies the selected resources' cores; failures are per resource, as for MySQL. */
export async function applySolrSchema(
  selection: ResourceSelection,
  opts: SolrSchemaApplyOptions,
  print: (line: string) => void,
  fail: (failure: FailedResource) => void,
): Promise<SchemaApplySummary> {
  if (!SOLR_URL.test(opts.solr)) throw new Error('--solr must be the http(s) URL of the Solr base, e.g. http://127.0.0.1:8983/solr');
  const prefix = opts.corePrefix ?? '';
  const dest = new SolrDestination('solr', {
    type: 'solr',
    url: opts.solr.replace(/\/+$/, ''),
    makeCoreName: (_source, resource) => `${prefix}${resource}`,
  });
  const summary: SchemaApplySummary = { changes: [], upToDate: 0, tables: 0, failed: [] };
  const comment = (line: string): string => (opts.dryRun ? `-- ${line}` : line);
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
        changes = await dest.applySchema(resource, { dryRun: !!opts.dryRun });
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
