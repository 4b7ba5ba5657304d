/**
 * `resync schema apply --postgres <url>`: makes the tables a sync into PostgreSQL would make, from
 * a `$metadata` file or a configured source, with the PostgreSQL destination's own planner and
 * migrator (typed columns within the row limits, `_raw`, the registry); `--dry-run` prints the
 * DDL and changes nothing. A second apply changes nothing. Without `--postgres`, a source's
 * configured PostgreSQL destinations are applied with their own naming hooks and schema.
 */
import type pg from 'pg';
import type { Config } from '../../config';
import {
  databaseExists,
  describePgUrl,
  ensureDatabase,
  ensureSchemaExists,
  openPgPool,
  pgTarget,
} from '../../activities/destinations/postgres/pool';
import { applyPgTable, checkPgTable, desiredTable, type DesiredTable, type Naming } from '../../activities/destinations/postgres/schema';
import { reasonOf, type FailedResource, type ResourceSelection, type SchemaApplySummary } from './schema';

/** One PostgreSQL database to apply to, with the naming (and schema) its destination uses. */
export interface PostgresSchemaTarget {
  name: string;
  url: string;
  naming: Naming;
  /** The PostgreSQL schema the tables live in (a destination's `schema`), created when missing. */
  schema?: string | undefined;
  preferTyped?: Record<string, string[]> | undefined;
}

/** `--postgres <url>`: the URL checked (a message that never repeats its password), names as in the metadata. */
export function plainPostgresTarget(url: string, prefix: string): PostgresSchemaTarget {
  try {
    pgTarget(url);
  } catch {
    throw new Error('--postgres must be a postgres:// URL that names a database, e.g. postgres://user:pass@127.0.0.1:5432/mls');
  }
  return {
    name: describePgUrl(url),
    url,
    naming: { table: (_source, resource) => `${prefix}${resource}`, field: (_resource, field) => field },
  };
}

/** The source's PostgreSQL destinations that let resync manage their schema, with their naming hooks and schema. */
export function configuredPostgresTargets(
  config: Config,
  source: string,
  prefix: string,
  print: (line: string) => void,
): PostgresSchemaTarget[] {
  const targets: PostgresSchemaTarget[] = [];
  for (const name of config.sources[source]?.destinations ?? Object.keys(config.destinations)) {
    const dest = config.destinations[name];
    if (dest?.type !== 'postgres') continue;
    if (!dest.manageSchema) {
      print(`skipped destination ${name}: manageSchema is off`);
      continue;
    }
    targets.push({
      name,
      url: dest.url,
      naming: { table: (s, r) => `${prefix}${dest.makeTableName?.(s, r) ?? r}`, field: (r, f) => dest.makeFieldName?.(r, f) ?? f },
      schema: dest.schema,
      preferTyped: dest.preferTyped,
    });
  }
  return targets;
}

/** Applies the selected resources' tables; failures are per resource, as for MySQL. */
export async function applyPostgresSchema(
  selection: ResourceSelection,
  target: PostgresSchemaTarget,
  dryRun: boolean,
  print: (line: string) => void,
  fail: (failure: FailedResource) => void,
): Promise<SchemaApplySummary> {
  const tables = planTables(selection, target, fail);
  return dryRun ? dryRunTables(target, tables, print) : apply(target, tables, print, fail);
}

/** Every table planned before any DDL runs; two resources on one table fail the command with nothing done. */
function planTables(selection: ResourceSelection, target: PostgresSchemaTarget, fail: (failure: FailedResource) => void): DesiredTable[] {
  const tables: DesiredTable[] = [];
  for (const r of selection.resources) {
    try {
      const preferTyped = target.preferTyped?.[r.resource];
      tables.push(desiredTable(r, target.naming, preferTyped ? { preferTyped } : {}));
    } catch (err) {
      fail({ resource: r.resource, reason: reasonOf(err, r.resource) });
    }
  }
  const byTable = new Map<string, string>();
  for (const t of tables) {
    const other = byTable.get(t.table);
    if (other) throw new Error(`resources ${other} and ${t.resource} both map to table ${t.table}`);
    byTable.set(t.table, t.resource);
  }
  return tables;
}

async function connect(target: PostgresSchemaTarget, create: boolean): Promise<pg.Pool> {
  const { url, schema } = target;
  try {
    if (create && schema) {
      await ensureDatabase(url);
      await ensureSchemaExists(url, schema);
    }
    const pool = await openPgPool(url, { createDatabase: create, max: 1, schema });
    // The pool connects lazily: fail here, with the URL.
    await pool.query('SELECT 1');
    return pool;
  } catch (err) {
    throw new Error(`cannot connect to ${describePgUrl(target.url)}: ${(err as Error).message}`, { cause: err });
  }
}

async function apply(
  target: PostgresSchemaTarget,
  tables: DesiredTable[],
  print: (line: string) => void,
  fail: (failure: FailedResource) => void,
): Promise<SchemaApplySummary> {
  const pool = await connect(target, true);
  const summary: SchemaApplySummary = { changes: [], upToDate: 0, tables: 0, failed: [] };
  try {
    for (const table of tables) {
      let result;
      try {
        result = await applyPgTable(pool, table);
      } catch (err) {
        fail({ resource: table.resource, reason: `table ${table.table}: ${reasonOf(err, table.resource).split('\n', 1)[0]}` });
        continue;
      }
      summary.tables += 1;
      if (result.changes.length === 0) summary.upToDate += 1;
      for (const c of result.changes) print(`${c.action} ${c.table}: ${c.detail}`);
      summary.changes.push(...result.changes);
    }
  } finally {
    await pool.end();
  }
  return summary;
}

async function dryRunTables(
  target: PostgresSchemaTarget,
  tables: DesiredTable[],
  print: (line: string) => void,
): Promise<SchemaApplySummary> {
  let exists: boolean;
  try {
    exists = await databaseExists(target.url);
  } catch (err) {
    throw new Error(`cannot connect to ${describePgUrl(target.url)}: ${(err as Error).message}`, { cause: err });
  }
  // A database (or schema) that does not exist yet is not created: every table in it would be new.
  const pool = exists ? await connect(target, false) : null;
  const summary: SchemaApplySummary = { changes: [], upToDate: 0, tables: tables.length, failed: [] };
  try {
    for (const table of tables) {
      const check = await checkPgTable(pool, table);
      if (check.steps.length === 0) summary.upToDate += 1;
      for (const step of check.steps) {
        print(step.changes.map((c) => `-- ${c.action} ${c.table}: ${c.detail}`).join('\n'));
        print(`${step.sql};`);
        summary.changes.push(...step.changes);
      }
    }
  } finally {
    await pool?.end();
  }
  return summary;
}
