/**
 * One core per resource and per expanded child, its fields from $metadata through the Schema API:
 * read the fields the core has, add only the missing ones in one bulk `add-field`, and register the
 * tolerant update processor (per-document errors instead of a failed batch) through the Config
 * API. A second apply finds everything in place and changes nothing.
 */
import { unusableReason, ResourceUnusable } from '../../source/metadata';
import type { ChildModel, ResourceModel, SchemaChange } from '../destination';
import { ensureSolrContainer, assertSolrCoreName, type CreateSolrCoreOptions } from './cores';
import { SolrSchemaError } from './errors';
import type { SolrHttp } from './http';
import {
  assertSolrFieldName,
  deriveLocations,
  EXTRA_FIELD,
  fieldDefinition,
  ID_FIELD,
  PARENT_KEY_FIELD,
  planSolrField,
  type DerivedLocation,
  type SolrFieldDefinition,
  type SolrFieldPlan,
} from './fields';

/** The name the update requests pass as `processor=` (a Config API named update processor). */
export const TOLERANT_PROCESSOR = 'resync-tolerant';

export interface CorePlan {
  source: string;
  /** The resource, or `<Resource><Navigation>` for a child. */
  resource: string;
  core: string;
  fields: SolrFieldPlan[];
  byField: Map<string, SolrFieldPlan>;
  locations: DerivedLocation[];
  keyField: string;
  /** The Solr field of the cursor (null: a child core, replaced with its parent). */
  cursorField: string | null;
  /** Set for a child core. */
  parentKeyField: string | null;
}

export type CoreNaming = (source: string, resource: string) => string;

export function planCore(
  resource: Pick<ResourceModel, 'source' | 'resource' | 'entity' | 'model' | 'keyField'> & { cursorField?: string },
  naming: CoreNaming,
  opts: { child?: boolean } = {},
): CorePlan {
  const core = naming(resource.source, resource.resource);
  assertSolrCoreName(core);
  const unusable = unusableReason(resource.entity);
  if (unusable !== undefined) throw new ResourceUnusable(resource.resource, unusable);
  const keys = new Set(resource.entity.key);
  const fields = resource.entity.fields.map((f) => {
    assertSolrFieldName(f.name, `${resource.resource}.${f.name}`);
    return planSolrField(f, resource.model, { isKey: keys.has(f.name) });
  });
  const byField = new Map(fields.map((f) => [f.field, f]));
  const keyPlan = byField.get(resource.keyField);
  if (!keyPlan) throw new SolrSchemaError(`${resource.resource}: key field ${resource.keyField} is not in $metadata`);
  if (keyPlan.multiValued) throw new SolrSchemaError(`${resource.resource}: key field ${resource.keyField} is a collection`);
  let cursorField: string | null = null;
  if (!opts.child && resource.cursorField !== undefined) {
    const cursor = byField.get(resource.cursorField);
    if (!cursor) throw new SolrSchemaError(`${resource.resource}: cursor field ${resource.cursorField} is not in $metadata`);
    if (cursor.kind !== 'datetime' || cursor.multiValued) {
      throw new SolrSchemaError(`${resource.resource}: cursor field ${resource.cursorField} is not a single DateTimeOffset`);
    }
    cursorField = cursor.name;
  }
  return {
    source: resource.source,
    resource: resource.resource,
    core,
    fields,
    byField,
    locations: deriveLocations(resource.entity.fields),
    keyField: resource.keyField,
    cursorField,
    parentKeyField: opts.child ? PARENT_KEY_FIELD : null,
  };
}

export function planChildCore(parent: ResourceModel, child: ChildModel, naming: CoreNaming): CorePlan {
  return planCore(
    { source: parent.source, resource: child.resource, entity: child.entity, model: parent.model, keyField: child.keyField },
    naming,
    { child: true },
  );
}

/** Every field the core needs besides `id`, as the Schema API takes them. */
export function wantedFields(plan: CorePlan): SolrFieldDefinition[] {
  const wanted = plan.fields.map((f) => fieldDefinition(f));
  for (const location of plan.locations)
    wanted.push(fieldDefinition({ name: location.name, type: 'location', multiValued: false, indexed: true }));
  wanted.push(fieldDefinition({ name: EXTRA_FIELD, type: 'string', multiValued: false, indexed: false }));
  if (plan.parentKeyField) wanted.push(fieldDefinition({ name: plan.parentKeyField, type: 'string', multiValued: false, indexed: true }));
  return wanted;
}

/** The fields a core has now: name → type. */
export async function readCoreFields(http: SolrHttp, core: string): Promise<Map<string, string>> {
  const body = await http.request(`/${core}/schema/fields`);
  const fields = Array.isArray(body.fields) ? (body.fields as { name?: unknown; type?: unknown }[]) : [];
  return new Map(fields.filter((f) => typeof f.name === 'string').map((f) => [f.name as string, String(f.type)]));
}

/** Whether the core's config already names the tolerant processor (Config API overlay). */
async function hasTolerantProcessor(http: SolrHttp, core: string): Promise<boolean> {
  const body = await http.request(`/${core}/config/overlay`);
  const overlay = body.overlay as { updateProcessor?: Record<string, unknown> } | undefined;
  return overlay?.updateProcessor?.[TOLERANT_PROCESSOR] !== undefined;
}

export interface ApplyCoreOptions extends CreateSolrCoreOptions {
  /** Report what would change without changing anything. */
  dryRun?: boolean;
}

/** Creates the core if needed, adds missing fields and the tolerant processor; returns what changed. */
export async function applyCore(http: SolrHttp, plan: CorePlan, options: ApplyCoreOptions = {}): Promise<SchemaChange[]> {
  const changes: SchemaChange[] = [];
  const table = plan.core;
  const exists = await coreAnswers(http, plan.core);
  if (!exists) {
    if (options.dryRun) {
      return [
        { table, action: 'create table', detail: `core ${plan.core}` },
        ...wantedFields(plan).map((f) => ({
          table,
          action: 'add column' as const,
          detail: `${f.name} ${f.type}${f.multiValued ? ' multiValued' : ''}`,
        })),
      ];
    }
    if (await ensureSolrContainer(http, plan.core, options)) changes.push({ table, action: 'create table', detail: `core ${plan.core}` });
  }
  const live = await readCoreFields(http, plan.core);
  const missing = wantedFields(plan).filter((f) => !live.has(f.name));
  if (!live.has(ID_FIELD)) throw new SolrSchemaError(`core ${plan.core} has no ${ID_FIELD} field: create it from scripts/solr/configset`);
  if (missing.length > 0 && !options.dryRun) {
    await http.request(`/${plan.core}/schema`, { json: { 'add-field': missing } });
  }
  changes.push(
    ...missing.map((f) => ({ table, action: 'add column' as const, detail: `${f.name} ${f.type}${f.multiValued ? ' multiValued' : ''}` })),
  );
  if (!(await hasTolerantProcessor(http, plan.core))) {
    if (!options.dryRun) {
      await http.request(`/${plan.core}/config`, {
        json: { 'add-updateprocessor': { name: TOLERANT_PROCESSOR, class: 'solr.TolerantUpdateProcessorFactory', maxErrors: -1 } },
      });
    }
    changes.push({ table, action: 'add index', detail: `update processor ${TOLERANT_PROCESSOR} (per-document errors)` });
  }
  return changes;
}

/** Whether `/<core>/admin/ping`-like access works: a core or collection of that name answers. */
async function coreAnswers(http: SolrHttp, core: string): Promise<boolean> {
  try {
    await http.request(`/${core}/schema/uniquekey`);
    return true;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return false;
    throw err;
  }
}
