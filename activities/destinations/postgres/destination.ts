/**
 * The PostgreSQL destination: schema from $metadata (typed columns within the row limits, the
 * whole record in `_raw`), one transaction per page upserted from one jsonb parameter, expanded
 * navigations in child tables replaced with their parent, and the `transform` / `keyMapping`
 * hooks applied as the MySQL destination applies them (config `type: 'postgres'`).
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { PostgresDestinationSettings } from '../../../config';
import { addFractionUnit, canonicalTimestamp, parseInstant, toMysqlDatetime } from '../../common/timestamps';
import type {
  ChildModel,
  Destination,
  HighWaterTie,
  RecordForms,
  ResourceModel,
  SchemaChange,
  StoredCount,
  StoredKey,
  WriteResult,
} from '../destination';
import type { MediaFilesLedger } from '../media-files';
import { childPlacement, navigationFields, pageWriteResult, shapeHooks, shapePage } from '../shape';
import { pgIdentifier, quotePgIdent } from './identifiers';
import { pgMediaTables, PgMediaFiles } from './media-files';
import { databaseExists, describePgUrl, ensureSchemaExists, openPgPool } from './pool';
import { pgFieldColumns, pgRowForms } from './record-forms';
import {
  applyPgTable,
  checkPgTable,
  desiredChildTable,
  desiredTable,
  PARENT_KEY_COLUMN,
  COLUMNS_TABLE,
  RAW_COLUMN,
  type DesiredTable,
  type Naming,
  type PgTablePlan,
} from './schema';
import { arrayTypeOf, prepareRows, upsertSql, writeRows, type ChildWrite, type PrepareOptions } from './writer';

/**
 * What the PostgreSQL destination takes: the validated config (config/schema.ts), `type` optional
 * so tests and `schema apply` can build one directly.
 */
export type PostgresDestinationConfig = Omit<PostgresDestinationSettings, 'type' | 'manageSchema'> & {
  type?: 'postgres';
  manageSchema: boolean;
};

interface PlanEntry {
  plan: PgTablePlan;
  sql: string;
}

/** SQLSTATE of a table that does not exist (nothing synced yet). */
const UNDEFINED_TABLE = '42P01';

/** Keys per `= ANY(…)` list. */
const IN_CHUNK = 1000;

/** A timestamptz column read as canonical UTC text, whatever the session's DateStyle. */
const isoOf = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export class PostgresDestination implements Destination {
  private pool: Promise<pg.Pool> | undefined;
  private readonly plans = new Map<string, PlanEntry>();
  private readonly naming: Naming;
  /** The configured schema was made (or found) by this instance. */
  private schemaReady = false;

  constructor(
    readonly name: string,
    private readonly config: PostgresDestinationConfig,
    private readonly logger?: Logger,
  ) {
    this.naming = {
      table: (source, resource) => config.makeTableName?.(source, resource) ?? resource,
      field: (resource, field) => config.makeFieldName?.(resource, field) ?? field,
    };
  }

  private async getPool(): Promise<pg.Pool> {
    this.pool ??= openPgPool(this.config.url, this.config.schema ? { schema: this.config.schema } : {}).catch((error: unknown) => {
      this.pool = undefined;
      throw new Error(`destination ${this.name} (${describePgUrl(this.config.url)}): cannot connect: ${(error as Error).message}`);
    });
    return this.pool;
  }

  /** The pool when the database exists, else undefined: looking (record, status, dashboard) creates nothing. */
  private async lookPool(): Promise<pg.Pool | undefined> {
    if (!this.pool && !(await databaseExists(this.config.url))) return undefined;
    return this.getPool();
  }

  private desired(resource: ResourceModel, child?: ChildModel): DesiredTable {
    const preferTyped = this.config.preferTyped?.[child ? child.resource : resource.resource];
    const opts = preferTyped ? { preferTyped } : {};
    return child ? desiredChildTable(resource, child, this.naming, opts) : desiredTable(resource, this.naming, opts);
  }

  /** The plan a table is written with: the applied one, else the one the live table supports. */
  private async entry(resource: ResourceModel, child?: ChildModel): Promise<PlanEntry> {
    const id = `${resource.source}/${resource.resource}${child ? `/${child.navigation}` : ''}`;
    let entry = this.plans.get(id);
    if (!entry) {
      // A database not made yet: the plan its first apply would make.
      const { plan } = await checkPgTable((await this.lookPool()) ?? null, this.desired(resource, child));
      entry = { plan, sql: upsertSql(plan) };
      this.plans.set(id, entry);
    }
    return entry;
  }

  private remember(resource: ResourceModel, child: ChildModel | undefined, plan: PgTablePlan): void {
    this.plans.set(`${resource.source}/${resource.resource}${child ? `/${child.navigation}` : ''}`, { plan, sql: upsertSql(plan) });
  }

  async ensureSchema(resource: ResourceModel): Promise<SchemaChange[]> {
    const tables: (ChildModel | undefined)[] = [undefined, ...(resource.children ?? [])];
    // Planned even when schema management is off: a bad name fails here rather than mid-run.
    const desired = tables.map((child) => this.desired(resource, child));
    if (!this.config.manageSchema) return [];
    const pool = await this.getPool();
    if (this.config.schema && !this.schemaReady) {
      await ensureSchemaExists(this.config.url, this.config.schema);
      this.schemaReady = true;
    }
    const changes: SchemaChange[] = [];
    for (const [i, child] of tables.entries()) {
      const applied = await applyPgTable(pool, desired[i]!);
      this.remember(resource, child, applied.plan);
      changes.push(...applied.changes);
      if (applied.plan.spilled.length > 0 && !applied.upToDate) {
        this.logger?.info(
          { destination: this.name, table: applied.plan.table, rawOnly: applied.plan.spilled.length },
          `fields kept in ${RAW_COLUMN} only (row or column limits); see the _resync_columns table`,
        );
      }
    }
    return changes;
  }

  /** The plan of a resource's table (tests, `resync record`, the dashboard). */
  async tablePlan(resource: ResourceModel, navigation?: string): Promise<PgTablePlan> {
    const child = navigation === undefined ? undefined : resource.children?.find((c) => c.navigation === navigation);
    if (navigation !== undefined && !child) throw new Error(`${resource.resource} does not expand ${navigation}`);
    return (await this.entry(resource, child)).plan;
  }

  async highWaterMark(resource: ResourceModel): Promise<{ timestamp: string; key: string } | null> {
    const { plan } = await this.entry(resource);
    if (!plan.cursorColumn) throw new Error(`destination ${this.name}: ${resource.resource} has no cursor column`);
    const pool = await this.getPool();
    const { rows } = await pool.query<{ hwm: string | null }>(
      `SELECT ${isoOf(`max(${quotePgIdent(plan.cursorColumn)})`)} AS hwm FROM ${quotePgIdent(plan.table)}`,
    );
    const value = rows[0]?.hwm;
    if (!value) return null;
    // key '' = start at this timestamp inclusive (ties across run boundaries), as for MySQL.
    return { timestamp: canonical(value), key: '' };
  }

  async highWaterTie(resource: ResourceModel): Promise<HighWaterTie | null> {
    const mark = await this.highWaterMark(resource);
    if (!mark) return null;
    const { plan } = await this.entry(resource);
    const key = plan.columns.find((c) => c.column === plan.keyColumns[0])!;
    const fraction = plan.columns.find((c) => c.column === plan.cursorColumn)?.fraction ?? 6;
    const pool = await this.getPool();
    const { rows } = await pool.query<{ n: string; k: string | null }>(
      `SELECT count(*) AS n, max(${quotePgIdent(key.column)})::text AS k FROM ${quotePgIdent(plan.table)} WHERE ${quotePgIdent(plan.cursorColumn!)} = $1`,
      [`${toMysqlDatetime(parseInstant(mark.timestamp)!, fraction)}+00`],
    );
    const greatest = rows[0]?.k;
    if (greatest === null || greatest === undefined) return null;
    return {
      timestamp: mark.timestamp,
      until: addFractionUnit(mark.timestamp, fraction),
      rows: Number(rows[0]?.n ?? 0),
      greatestKey: this.config.keyMapping ? this.config.keyMapping.toMls(greatest, resource.resource) : greatest,
    };
  }

  async writePage(resource: ResourceModel, sent: Record<string, unknown>[]): Promise<WriteResult> {
    const pool = await this.getPool();
    // One copy per key, transformed, children taken out: the shaping every destination shares.
    const page = shapePage(resource, sent, shapeHooks(this.name, this.config, PARENT_KEY_COLUMN, this.logger));
    const ignore = navigationFields(resource);
    const parentEntry = await this.entry(resource);
    const parent = {
      ...parentEntry,
      prepared: prepareRows(parentEntry.plan, resource.keyField, page.parents, { ...this.keyOptions(resource.resource), ignore }),
    };
    const children: ChildWrite[] = [];
    for (const [i, child] of (resource.children ?? []).entries()) {
      const staged = page.children[i]!;
      const entry = await this.entry(resource, child);
      const opts: PrepareOptions = { ...this.keyOptions(child.resource), ignore: (name) => name === PARENT_KEY_COLUMN };
      children.push({
        ...entry,
        prepared: prepareRows(entry.plan, child.keyField, staged.records, opts),
        ...childPlacement(child, staged),
      });
      if (staged.truncated.size > 0) {
        this.logger?.warn(
          { destination: this.name, resource: resource.resource, navigation: child.navigation, parents: staged.truncated.size },
          'the server cut expanded children short (a nextLink inside the expansion): those were upserted, none deleted; set expand top',
        );
      }
    }
    const written = await writeRows(pool, parent, children);
    const decisions = [parent, ...children].flatMap((t) => t.prepared.decisions);
    return pageWriteResult(resource, page, written, decisions, { destination: this.name, logger: this.logger });
  }

  private keyOptions(resource: string): PrepareOptions {
    const mapping = this.config.keyMapping;
    return mapping ? { mapKey: (key) => mapping.toDestination(key, resource) } : {};
  }

  private destinationKey(resource: string, key: string): string {
    return this.config.keyMapping ? this.config.keyMapping.toDestination(key, resource) : key;
  }

  async deleteRecords(resource: ResourceModel, keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const { plan } = await this.entry(resource);
    const purged: PgTablePlan[] = [];
    for (const child of (resource.children ?? []).filter((c) => c.purgeWithParent)) purged.push((await this.entry(resource, child)).plan);
    const stored = keys.map((k) => this.destinationKey(resource.resource, k));
    const key = plan.keyColumns[0]!;
    const client = await (await this.getPool()).connect();
    let deleted = 0;
    try {
      // Children and parents go together or not at all.
      await client.query('BEGIN');
      for (let i = 0; i < stored.length; i += IN_CHUNK) {
        const chunk = stored.slice(i, i + IN_CHUNK);
        for (const child of purged) {
          await client.query(
            `DELETE FROM ${quotePgIdent(child.table)} WHERE ${quotePgIdent(child.parentKeyColumn!)} = ANY($1::${arrayTypeOf(child, child.parentKeyColumn!)})`,
            [chunk],
          );
        }
        const result = await client.query(
          `DELETE FROM ${quotePgIdent(plan.table)} WHERE ${quotePgIdent(key)} = ANY($1::${arrayTypeOf(plan, key)})`,
          [chunk],
        );
        deleted += result.rowCount ?? 0;
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    return deleted;
  }

  async count(resource: ResourceModel): Promise<number> {
    const { plan } = await this.entry(resource);
    const { rows } = await (await this.getPool()).query<{ n: string }>(`SELECT count(*) AS n FROM ${quotePgIdent(plan.table)}`);
    return Number(rows[0]?.n ?? 0);
  }

  /** Keys after `after` in byte order (the key column is `COLLATE "C"`; integer keys in numeric order). */
  async readKeys(resource: ResourceModel, after: string | null, limit: number): Promise<StoredKey[]> {
    const { plan } = await this.entry(resource);
    const key = quotePgIdent(singleKey(plan));
    const cursor = plan.cursorColumn ? isoOf(quotePgIdent(plan.cursorColumn)) : 'NULL';
    const { rows } = await (
      await this.getPool()
    ).query<{ k: string; c: string | null }>({
      text: `SELECT ${key}::text AS k, ${cursor} AS c FROM ${quotePgIdent(plan.table)}${after === null ? '' : ` WHERE ${key} > $2`} ORDER BY ${key} LIMIT $1`,
      values: after === null ? [limit] : [limit, after],
    });
    // The contract's form of a stored cursor (activities/keys/order.ts): DATETIME text in UTC with
    // the column's own digits, so reconcile compares the MLS value cut as the writer cut it.
    const fraction = plan.columns.find((c) => c.column === plan.cursorColumn)?.fraction ?? 6;
    return rows.map((r) => ({ key: r.k, cursor: r.c === null ? null : toMysqlDatetime(parseInstant(r.c)!, fraction) }));
  }

  async keysNotAfter(resource: ResourceModel, keys: string[], notAfter: string): Promise<string[]> {
    if (keys.length === 0) return [];
    const { plan } = await this.entry(resource);
    const instant = parseInstant(notAfter);
    if (!instant) throw new Error(`not a timestamp: ${notAfter}`);
    const key = singleKey(plan);
    const cursor = plan.cursorColumn ? quotePgIdent(plan.cursorColumn) : undefined;
    const { rows } = await (
      await this.getPool()
    ).query<{ k: string }>(
      `SELECT ${quotePgIdent(key)}::text AS k FROM ${quotePgIdent(plan.table)} WHERE ${quotePgIdent(key)} = ANY($1::${arrayTypeOf(plan, key)})` +
        (cursor ? ` AND (${cursor} IS NULL OR ${cursor} <= $2)` : ''),
      cursor ? [keys, `${toMysqlDatetime(instant, 6)}+00`] : [keys],
    );
    return rows.map((r) => r.k);
  }

  /**
   * One record as stored (its `_raw`, i.e. as written after the transform hook), with the children
   * of each expanded navigation under the navigation's name; null when the key is not stored.
   */
  async readRecord(resource: ResourceModel, key: string): Promise<Record<string, unknown> | null> {
    const { plan } = await this.entry(resource);
    const pool = await this.getPool();
    const k = singleKey(plan);
    const stored = this.destinationKey(resource.resource, key);
    const { rows } = await pool.query<{ raw: Record<string, unknown> | null }>(
      `SELECT ${quotePgIdent(RAW_COLUMN)} AS raw FROM ${quotePgIdent(plan.table)} WHERE ${quotePgIdent(k)} = ANY($1::${arrayTypeOf(plan, k)})`,
      [[stored]],
    );
    if (rows.length === 0) return null;
    const record: Record<string, unknown> = { ...(rows[0]!.raw ?? {}) };
    for (const child of resource.children ?? []) {
      const { plan: childPlan } = await this.entry(resource, child);
      const childKey = quotePgIdent(childPlan.keyColumns[0]!);
      const children = await pool.query<{ raw: Record<string, unknown> }>(
        `SELECT ${quotePgIdent(RAW_COLUMN)} AS raw FROM ${quotePgIdent(childPlan.table)} WHERE ${quotePgIdent(childPlan.parentKeyColumn!)} = ANY($1::${arrayTypeOf(childPlan, childPlan.parentKeyColumn!)}) ORDER BY ${childKey}`,
        [[stored]],
      );
      record[child.navigation] = children.rows.map((r) => r.raw);
    }
    return record;
  }

  /** `resync record`: the stored row and the record as the writer would store it, field by field. */
  async recordForms(resource: ResourceModel, key: string, record: Record<string, unknown> | null): Promise<RecordForms> {
    const { plan } = await this.entry(resource);
    const base = { store: plan.table, columns: pgFieldColumns(plan) };
    const row = await this.readRow(plan, this.destinationKey(resource.resource, key));
    const stored = row ? pgRowForms(plan, row) : null;
    if (!record) return { ...base, skipped: false, wanted: null, stored };
    // Shaped and converted exactly as writePage does.
    const page = shapePage(resource, [record], shapeHooks(this.name, this.config, PARENT_KEY_COLUMN, this.logger));
    if (page.parents.length === 0 && page.rejects.length === 0) return { ...base, skipped: true, wanted: null, stored };
    const prepared = prepareRows(plan, resource.keyField, page.parents, {
      ...this.keyOptions(resource.resource),
      ignore: navigationFields(resource),
    });
    const doc = prepared.docs[0];
    const reject = prepared.rejects[0] ?? page.rejects[0];
    return { ...base, skipped: false, wanted: doc ? pgRowForms(plan, doc) : { rejected: reject?.reason ?? 'not storable' }, stored };
  }

  private async readRow(plan: PgTablePlan, storedKey: string): Promise<Record<string, unknown> | undefined> {
    const pool = await this.lookPool();
    if (!pool) return undefined;
    const k = singleKey(plan);
    try {
      const { rows } = await pool.query<Record<string, unknown>>(
        `SELECT * FROM ${quotePgIdent(plan.table)} WHERE ${quotePgIdent(k)} = ANY($1::${arrayTypeOf(plan, k)}) LIMIT 1`,
        [[storedKey]],
      );
      return rows[0];
    } catch (error) {
      if ((error as { code?: string }).code === UNDEFINED_TABLE) return undefined;
      throw error;
    }
  }

  /** The files ledger beside a Media table (media-files.ts): an expanded navigation's child table, or the Media resource's own. */
  async mediaFiles(resource: ResourceModel, navigation: string | null): Promise<MediaFilesLedger> {
    const plan = await this.tablePlan(resource, navigation ?? undefined);
    return new PgMediaFiles(await this.getPool(), pgMediaTables(plan, navigation === null ? 'ResourceRecordKey' : null));
  }

  /** `resync status`: rows of the child table of an expanded navigation (none yet: 0). */
  async countChildren(resource: ResourceModel, navigation: string): Promise<{ store: string; count: number }> {
    const plan = await this.tablePlan(resource, navigation);
    const pool = await this.lookPool();
    if (!pool) return { store: plan.table, count: 0 };
    try {
      const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${quotePgIdent(plan.table)}`);
      return { store: plan.table, count: Number(rows[0]?.n ?? 0) };
    } catch (error) {
      if ((error as { code?: string }).code === UNDEFINED_TABLE) return { store: plan.table, count: 0 };
      throw error;
    }
  }

  /**
   * The dashboard's count: rows and newest cursor of the table named by the config's hooks (none
   * yet: 0). The cursor's column is the one the registry recorded (a name may have been shortened
   * to 63 bytes), else the hooks' name.
   */
  async storedCount(source: string, resource: string, cursorField: string | null): Promise<StoredCount> {
    const pool = await this.lookPool();
    if (!pool) return { count: 0, newest: null };
    const table = pgIdentifier(this.naming.table(source, resource), `table name for ${resource}`);
    const exists = await pool.query<{ oid: number | null }>('SELECT to_regclass($1)::oid AS oid', [quotePgIdent(table)]);
    if (exists.rows[0]?.oid === null || exists.rows[0]?.oid === undefined) return { count: 0, newest: null };
    let column: string | null = null;
    if (cursorField !== null) {
      const registry = await pool.query<{ oid: number | null }>('SELECT to_regclass($1)::oid AS oid', [quotePgIdent(COLUMNS_TABLE)]);
      const recorded = registry.rows[0]?.oid
        ? await pool.query<{ c: string }>(
            `SELECT column_name AS c FROM ${quotePgIdent(COLUMNS_TABLE)} WHERE table_name = $1 AND field = $2 AND stored_in = 'column'`,
            [table, cursorField],
          )
        : undefined;
      column = recorded?.rows[0]?.c ?? pgIdentifier(this.naming.field(resource, cursorField), `column name of ${resource}`);
    }
    const { rows } = await pool.query<{ n: string; newest: string | null }>(
      `SELECT count(*) AS n${column === null ? '' : `, ${isoOf(`max(${quotePgIdent(column)})`)} AS newest`} FROM ${quotePgIdent(table)}`,
    );
    const newest = rows[0]?.newest;
    return { count: Number(rows[0]?.n ?? 0), newest: newest ? canonical(newest) : null };
  }

  async close(): Promise<void> {
    const pool = await this.pool?.catch(() => undefined);
    this.pool = undefined;
    this.plans.clear();
    await pool?.end();
  }
}

function singleKey(plan: PgTablePlan): string {
  if (plan.keyColumns.length !== 1)
    throw new Error(`${plan.table}: purge and reconcile need a single-column key, not ${plan.keyColumns.join(', ')}`);
  return plan.keyColumns[0]!;
}

function canonical(iso: string): string {
  const value = canonicalTimestamp(iso);
  if (!value) throw new Error(`unreadable stored timestamp ${iso}`);
  return value;
}
