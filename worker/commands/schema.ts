/**
 * `resync schema apply`: creates and migrates destination tables from a `$metadata` document
 * without running a sync, so an operator can review the DDL (`--dry-run`), apply it ahead of a
 * first load, or make tables for resources sync does not follow. It uses the same planner and
 * migrator as sync, so a table made here is exactly the one a sync would make.
 */
import { existsSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Pool } from 'mysql2/promise';
import type { Config, ResourceConfig } from '../../config';
import type { SchemaChange } from '../../activities/destinations';
import {
  applyTable,
  checkTable,
  planTable,
  type Naming,
  type TablePlan,
  type TableSource,
} from '../../activities/destinations/mysql/schema';
import { databaseExists, describeUrl, openPool } from '../../activities/destinations/mysql/pool';
import type { PostgresSchemaTarget } from './schema-postgres';
import type { SolrSchemaTarget } from './schema-solr';
import {
  cursorFields,
  findEntityType,
  resolveResource,
  ResourceUnusable,
  unusableReason,
  type EdmModel,
  type EntityTypeModel,
} from '../../activities/source/metadata';
import { loadMetadataFile } from './metadata';

export interface SchemaApplyOptions {
  /** `--mysql`: the database to apply to. Without it, the source's configured destinations. */
  mysql?: string | undefined;
  /** `--postgres`: a PostgreSQL database to make tables in, instead of or besides `--mysql`. */
  postgres?: string | undefined;
  /** `--solr`: a Solr node (base URL) to make cores and fields on, instead of or besides `--mysql`. */
  solr?: string | undefined;
  resource?: string[] | undefined;
  dryRun?: boolean | undefined;
  tablePrefix?: string | undefined;
}

export interface SchemaApplySummary {
  /** Changes made, or for a dry run the changes the statements would make. */
  changes: SchemaChange[];
  /** Tables that needed nothing. */
  upToDate: number;
  tables: number;
  /** Resources that got no table, each with why in one line; the command then exits non-zero. */
  failed: FailedResource[];
}

export interface FailedResource {
  resource: string;
  reason: string;
}

/** One database to apply to, with the naming hooks it uses. */
export interface SchemaTarget {
  name: string;
  url: string;
  naming: Naming;
}

/**
 * What the CLI calls. `target` is a metadata file or a configured source name; the config is
 * loaded only for a source (a file needs no config at all).
 */
export async function runSchemaApply(
  target: string,
  opts: SchemaApplyOptions,
  loadConfig: () => Promise<Config>,
  print: (line: string) => void = (line) => console.log(line),
): Promise<SchemaApplySummary> {
  const prefix = opts.tablePrefix ?? '';
  let model: EdmModel;
  let source: string;
  let configured: ResourceConfig[] = [];
  let targets: SchemaTarget[];
  let pgTargets: PostgresSchemaTarget[] = [];
  let solrTargets: SolrSchemaTarget[] = [];
  if (existsSync(target)) {
    model = await loadMetadataFile(target);
    // The registry and makeTableName want a source name; a file's base name is the closest thing.
    source = basename(target, extname(target));
    if (!opts.mysql && !opts.postgres && !opts.solr)
      throw new Error('--mysql <url>, --postgres <url> or --solr <url> is required when the metadata comes from a file');
    targets = opts.mysql ? [plainTarget(opts.mysql, prefix)] : [];
  } else {
    const config = await loadConfig();
    const sourceConfig = config.sources[target];
    if (!sourceConfig) {
      // A name with a dot or a slash was meant as a file; say so rather than blame the config.
      if (/[./\\]/.test(target)) throw new Error(`metadata file not found: ${target}`);
      throw new Error(`${target} is neither a metadata file nor a source in the config`);
    }
    const { Runtime } = await import('../../activities/runtime');
    const pino = (await import('pino')).default;
    const runtime = new Runtime(config, pino({ level: 'silent' }));
    try {
      model = await runtime.edmModel(target);
    } finally {
      await runtime.close();
    }
    source = target;
    configured = sourceConfig.resources;
    if (opts.mysql) targets = [plainTarget(opts.mysql, prefix)];
    else if (opts.solr || opts.postgres) targets = [];
    else {
      // No target named: every destination of the source whose schema resync manages.
      const { configuredPostgresTargets } = await import('./schema-postgres');
      const { configuredSolrTargets } = await import('./schema-solr');
      targets = configuredTargets(config, target, prefix, print);
      pgTargets = configuredPostgresTargets(config, target, prefix, print);
      solrTargets = configuredSolrTargets(config, target, prefix, print);
      if (targets.length === 0 && pgTargets.length === 0 && solrTargets.length === 0)
        throw new Error(`source ${target} has no destination whose schema resync manages; name one with --mysql, --postgres or --solr`);
    }
  }
  if (opts.postgres) pgTargets = [(await import('./schema-postgres')).plainPostgresTarget(opts.postgres, prefix)];
  if (opts.solr) solrTargets = [(await import('./schema-solr')).plainSolrTarget(opts.solr, prefix)];
  const several = targets.length + pgTargets.length + solrTargets.length > 1;

  const comment = (line: string): string => (opts.dryRun ? `-- ${line}` : line);
  const selection = selectResources(model, source, opts.resource, configured);
  for (const note of selection.skipped) print(comment(note));
  const summary: SchemaApplySummary = { changes: [], upToDate: 0, tables: 0, failed: [] };
  // A broken resource costs its own table only: the others are still applied, and the command
  // ends with what could not be done (and a non-zero exit, see the CLI).
  const fail = (failure: FailedResource): void => {
    if (summary.failed.some((f) => f.resource === failure.resource && f.reason === failure.reason)) return;
    summary.failed.push(failure);
    print(comment(`${failure.resource} cannot be used: ${failure.reason}`));
  };
  selection.unusable.forEach(fail);
  for (const t of targets) {
    if (several) print(opts.dryRun ? `-- destination ${t.name}` : `destination ${t.name}:`);
    const plans = planTables(selection.resources, t.naming, fail);
    const result = opts.dryRun ? await dryRun(t, plans, print) : await apply(t, plans, print, fail);
    summary.changes.push(...result.changes);
    summary.upToDate += result.upToDate;
    summary.tables += result.tables;
  }
  for (const t of pgTargets) {
    if (several) print(opts.dryRun ? `-- destination ${t.name}` : `destination ${t.name}:`);
    const { applyPostgresSchema } = await import('./schema-postgres');
    const result = await applyPostgresSchema(selection, t, !!opts.dryRun, print, fail);
    summary.changes.push(...result.changes);
    summary.upToDate += result.upToDate;
    summary.tables += result.tables;
  }
  for (const t of solrTargets) {
    if (several) print(opts.dryRun ? `-- destination ${t.name}` : `destination ${t.name}:`);
    const { applySolrSchema } = await import('./schema-solr');
    const result = await applySolrSchema(selection, t, !!opts.dryRun, print, fail);
    summary.changes.push(...result.changes);
    summary.upToDate += result.upToDate;
    summary.tables += result.tables;
  }
  print(finalLine(summary, !!opts.dryRun));
  return summary;
}

function finalLine(s: SchemaApplySummary, dryRun: boolean): string {
  const failed =
    s.failed.length === 0
      ? ''
      : `; ${s.failed.length} ${s.failed.length === 1 ? 'resource' : 'resources'} could not be used: ${[...new Set(s.failed.map((f) => f.resource))].join(', ')}`;
  if (s.changes.length === 0)
    return `${dryRun ? '-- ' : ''}no changes: ${s.upToDate} ${s.upToDate === 1 ? 'table' : 'tables'} up to date${failed}`;
  const changedTables = s.tables - s.upToDate;
  const text = `${s.changes.length} ${s.changes.length === 1 ? 'change' : 'changes'} to ${changedTables} ${changedTables === 1 ? 'table' : 'tables'}, ${s.upToDate} up to date${failed}`;
  return dryRun ? `-- dry run: ${text}; nothing was executed` : text;
}

const MYSQL_URL = /^mysql:\/\/[^/]+\/[A-Za-z0-9_$]+(\?.*)?$/;

function plainTarget(url: string, prefix: string): SchemaTarget {
  // The URL may hold a password: the message must not repeat it.
  if (!MYSQL_URL.test(url))
    throw new Error('--mysql must be a mysql:// URL that names a database, e.g. mysql://user:pass@127.0.0.1:3306/mls');
  return {
    name: describeUrl(url),
    url,
    naming: { table: (_source, resource) => `${prefix}${resource}`, field: (_resource, field) => field },
  };
}

/** The source's MySQL destinations that let resync manage their schema, with their naming hooks. */
function configuredTargets(config: Config, source: string, prefix: string, print: (line: string) => void): SchemaTarget[] {
  const names = config.sources[source]?.destinations ?? Object.keys(config.destinations);
  const targets: SchemaTarget[] = [];
  for (const name of names) {
    const dest = config.destinations[name];
    if (!dest) continue;
    // PostgreSQL and Solr destinations are applied beside these (schema-postgres.ts, schema-solr.ts).
    if (dest.type !== 'mysql') continue;
    if (!dest.manageSchema) {
      print(`skipped destination ${name}: manageSchema is off`);
      continue;
    }
    targets.push({
      name,
      url: dest.url,
      naming: {
        table: (s, r) => `${prefix}${dest.makeTableName?.(s, r) ?? r}`,
        field: (r, f) => dest.makeFieldName?.(r, f) ?? f,
      },
    });
  }
  return targets;
}

export interface ResourceSelection {
  resources: TableSource[];
  /** One sentence per entity type left out of the default selection, and why. */
  skipped: string[];
  /** Resources the metadata makes impossible to replicate (a key that is no field, a set without a type). */
  unusable: FailedResource[];
}

/**
 * The resources to make tables for. By default every entity type sync could follow: one with a
 * key and a cursor field. Named resources need only a key; without a cursor their table is
 * indexed by the key alone. Names and cursor fields configured for the source win, so the table
 * matches the one sync makes.
 */
export function selectResources(
  model: EdmModel,
  source: string,
  requested: string[] | undefined,
  configured: ResourceConfig[] = [],
): ResourceSelection {
  const configuredFor = (entity: EntityTypeModel) => configured.find((r) => findEntityType(model, r.name) === entity);
  const describe = (entity: EntityTypeModel): TableSource => {
    const config = configuredFor(entity);
    const resource = config?.name ?? model.entitySets.find((s) => s.entityType === entity.name)?.name ?? entity.name;
    const candidates = cursorFields(entity);
    const cursorField = config && entity.fields.some((f) => f.name === config.cursorField) ? config.cursorField : candidates[0];
    return { source, resource, entity, model, cursorField };
  };

  if (!requested || requested.length === 0) {
    const resources: TableSource[] = [];
    const skipped: string[] = [];
    const unusable: FailedResource[] = [];
    for (const entity of Object.values(model.entityTypes)) {
      const r = describe(entity);
      const reason = unusableReason(entity);
      // No key at all is common for types a server exposes only inside others: not a failure.
      if (entity.key.length === 0) skipped.push(`skipped ${r.resource}: $metadata declares no key`);
      else if (reason !== undefined) unusable.push({ resource: r.resource, reason });
      else if (!r.cursorField)
        skipped.push(`skipped ${r.resource}: no ModificationTimestamp (name it with --resource to make its table anyway)`);
      else resources.push(r);
    }
    return { resources, skipped, unusable };
  }

  const resources = new Map<string, TableSource>();
  const unusable: FailedResource[] = [];
  for (const name of requested) {
    const { entity, unusable: reason } = resolveResource(model, name);
    if (reason !== undefined) {
      unusable.push({ resource: name, reason });
      continue;
    }
    if (!entity) {
      const known = Object.values(model.entityTypes).map((e) => describe(e).resource);
      throw new Error(`no resource "${name}" in the metadata; it has: ${known.join(', ') || '(none)'}`);
    }
    const r = describe(entity);
    resources.set(r.resource, r);
  }
  return { resources: [...resources.values()], skipped: [], unusable };
}

/**
 * Plans every table before any DDL runs. A resource whose plan fails (its metadata or its names)
 * is reported through `fail` and left out; two resources mapping to one table fail the command
 * with nothing done, since either table could be the wrong one.
 */
function planTables(resources: TableSource[], naming: Naming, fail: (failure: FailedResource) => void): TablePlan[] {
  const plans: TablePlan[] = [];
  for (const r of resources) {
    try {
      plans.push(planTable(r, naming));
    } catch (err) {
      fail({ resource: r.resource, reason: reasonOf(err, r.resource) });
    }
  }
  const byTable = new Map<string, string>();
  for (const plan of plans) {
    const other = byTable.get(plan.table.toLowerCase());
    if (other) throw new Error(`resources ${other} and ${plan.resource} both map to table ${plan.table}`);
    byTable.set(plan.table.toLowerCase(), plan.resource);
  }
  return plans;
}

async function connect(target: SchemaTarget, create: boolean): Promise<Pool> {
  try {
    const pool = await openPool(target.url, {}, { createDatabase: create });
    // openPool connects lazily when it need not create the database: fail here, with the URL.
    await pool.query('SELECT 1');
    return pool;
  } catch (err) {
    throw new Error(`cannot connect to ${describeUrl(target.url)}: ${(err as Error).message}`, { cause: err });
  }
}

function describeChange(c: SchemaChange): string {
  return `${c.action} ${c.table}: ${c.detail}`;
}

/** The one line a failed resource gets: the reason alone for ResourceUnusable, which names it already. */
export function reasonOf(err: unknown, resource: string): string {
  if (err instanceof ResourceUnusable) return err.reason;
  const message = err instanceof Error ? err.message : String(err);
  // planTable's own messages start with the resource name; the failure line already says it.
  return message.startsWith(`${resource}: `) ? message.slice(resource.length + 2) : message;
}

async function apply(
  target: SchemaTarget,
  plans: TablePlan[],
  print: (line: string) => void,
  fail: (failure: FailedResource) => void,
): Promise<SchemaApplySummary> {
  const pool = await connect(target, true);
  const summary: SchemaApplySummary = { changes: [], upToDate: 0, tables: 0, failed: [] };
  try {
    for (const plan of plans) {
      let result;
      try {
        result = await applyTable(pool, plan);
      } catch (err) {
        // The database's words, but on one line with the table they are about; the next table still goes.
        fail({ resource: plan.resource, reason: `table ${plan.table}: ${firstLine(reasonOf(err, plan.resource))}` });
        continue;
      }
      summary.tables += 1;
      if (result.changes.length === 0) summary.upToDate += 1;
      for (const change of result.changes) print(describeChange(change));
      summary.changes.push(...result.changes);
    }
  } finally {
    await pool.end();
  }
  return summary;
}

async function dryRun(target: SchemaTarget, plans: TablePlan[], print: (line: string) => void): Promise<SchemaApplySummary> {
  let exists: boolean;
  try {
    exists = await databaseExists(target.url);
  } catch (err) {
    throw new Error(`cannot connect to ${describeUrl(target.url)}: ${(err as Error).message}`, { cause: err });
  }
  // A database that does not exist yet is not created: every table in it would be new.
  const pool = exists ? await connect(target, false) : null;
  const summary: SchemaApplySummary = { changes: [], upToDate: 0, tables: plans.length, failed: [] };
  let preamble = false;
  try {
    for (const plan of plans) {
      const check = await checkTable(pool, plan);
      if (check.steps.length === 0) summary.upToDate += 1;
      for (const step of check.steps) {
        if (!preamble) {
          // What applying does too: wide tables (Property) pass InnoDB's strict row-size check only without it.
          print('SET SESSION innodb_strict_mode = OFF;');
          preamble = true;
        }
        print(step.changes.map((c) => `-- ${describeChange(c)}`).join('\n'));
        print(`${step.sql};`);
        summary.changes.push(...step.changes);
      }
    }
  } finally {
    await pool?.end();
  }
  return summary;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
