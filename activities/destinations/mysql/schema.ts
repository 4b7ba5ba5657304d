/**
 * Creates and migrates a resource's table from its metadata. Changes are additive (new columns,
 * a missing primary key or cursor index) or widen a text column; nothing is dropped or narrowed.
 * Every change is named, recorded in `_resync_schema_log`, and the plan a table was last brought
 * up to date with is remembered in `_resync_schema`, so an unchanged table costs two small queries.
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { ChildModel, ResourceModel, SchemaChange } from '../destination';
import { fitRowLimit, planColumn, textCapacity, type ColumnPlan } from './columns';
import { quoteIdent } from './identifiers';
import { ResourceUnusable, unusableReason } from '../../source/metadata/usable';

/** Fields the MLS sent that are not in $metadata are kept here as JSON, never dropped. */
export const EXTRA_COLUMN = '_resync_extra';
export const SCHEMA_LOG_TABLE = '_resync_schema_log';
export const REGISTRY_TABLE = '_resync_schema';
/**
 * In a child table (an expanded navigation such as Media): the key of the parent row. Children
 * are found, replaced and deleted through it, so it has the parent key's type and is indexed.
 */
export const PARENT_KEY_COLUMN = '_resync_parent_key';
const PARENT_INDEX = 'resync_parent';

export interface TablePlan {
  source: string;
  resource: string;
  table: string;
  columns: ColumnPlan[];
  keyColumns: string[];
  /** Null for a resource without a cursor field: such a table can be made, but not synced. */
  cursorColumn: string | null;
  /** Child tables only: PARENT_KEY_COLUMN, also one of `columns` (its `field` is the same name). */
  parentKeyColumn: string | null;
  byField: Map<string, ColumnPlan>;
}

export interface Naming {
  table(source: string, resource: string): string;
  field(resource: string, field: string): string;
}

/**
 * What a table is planned from. Sync passes a ResourceModel, whose cursor field must exist;
 * `resync schema apply` may leave the cursor out for resources that have none.
 */
export type TableSource = Pick<ResourceModel, 'source' | 'resource' | 'entity' | 'model'> & { cursorField?: string | undefined };

export function planTable(resource: TableSource, naming: Naming, opts: { parentKey?: ColumnPlan } = {}): TablePlan {
  const table = naming.table(resource.source, resource.resource);
  quoteIdent(table, `table name for ${resource.resource}`);
  // A key that is no column would reach MySQL as "Key column … doesn't exist": say why instead.
  const unusable = unusableReason(resource.entity);
  if (unusable !== undefined) throw new ResourceUnusable(resource.resource, unusable);
  const keyFields = new Set(resource.entity.key);
  const plans = resource.entity.fields.map((f) => {
    const column = naming.field(resource.resource, f.name);
    quoteIdent(column, `column name for ${resource.resource}.${f.name}`);
    return planColumn(f, column, resource.model, { isKey: keyFields.has(f.name) });
  });
  const keyColumns = resource.entity.key.map((k) => naming.field(resource.resource, k));
  const parentKey = opts.parentKey;
  // The parent key is compared with the parent's key column: it must stay a binary VARCHAR too.
  const columns = fitRowLimit(
    parentKey ? [...plans, parentKey] : plans,
    new Set(parentKey ? [...keyColumns, parentKey.column] : keyColumns),
  );
  const seen = new Map<string, string>([[EXTRA_COLUMN.toLowerCase(), '(resync)']]);
  for (const c of columns) {
    const clash = seen.get(c.column.toLowerCase());
    if (clash) throw new Error(`${resource.resource}: fields ${clash} and ${c.field} both map to column ${c.column}`);
    seen.set(c.column.toLowerCase(), c.field);
  }
  let cursorColumn: string | null = null;
  if (resource.cursorField !== undefined) {
    const cursor = columns.find((c) => c.field === resource.cursorField);
    if (!cursor) throw new Error(`${resource.resource}: cursor field ${resource.cursorField} is not in $metadata`);
    cursorColumn = cursor.column;
  }
  return {
    source: resource.source,
    resource: resource.resource,
    table,
    columns,
    keyColumns,
    cursorColumn,
    parentKeyColumn: parentKey ? parentKey.column : null,
    byField: new Map(columns.map((c) => [c.field, c])),
  };
}

/**
 * The table of an expanded navigation (default name `<Resource><Navigation>`, e.g. PropertyMedia):
 * the child entity's columns plus PARENT_KEY_COLUMN, keyed by the child's own key. It has no
 * cursor: a parent's children are replaced as a whole when the parent is written.
 */
export function planChildTable(
  parent: Pick<ResourceModel, 'source' | 'resource' | 'entity' | 'model' | 'keyField'>,
  child: ChildModel,
  naming: Naming,
): TablePlan {
  const keyField = parent.entity.fields.find((f) => f.name === parent.keyField);
  if (!keyField) throw new Error(`${parent.resource}: key field ${parent.keyField} is not in $metadata`);
  const parentKey: ColumnPlan = { ...planColumn(keyField, PARENT_KEY_COLUMN, parent.model, { isKey: true }), field: PARENT_KEY_COLUMN };
  return planTable({ source: parent.source, resource: child.resource, entity: child.entity, model: parent.model }, naming, { parentKey });
}

/**
 * Identifies what a plan asks of the database. Only what reaches the DDL counts, so a metadata
 * change that alters no column (a description, an annotation) leaves the table "up to date".
 */
export function planHash(plan: TablePlan): string {
  const shape = {
    table: plan.table,
    columns: plan.columns.map((c) => [c.column, c.sqlType]),
    keyColumns: plan.keyColumns,
    cursorColumn: plan.cursorColumn,
    // Only child tables carry it, so the hashes of tables registered before it existed stay valid.
    ...(plan.parentKeyColumn ? { parentKeyColumn: plan.parentKeyColumn } : {}),
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}

const CURSOR_INDEX = 'resync_cursor';

function columnList(columns: string[]): string {
  return columns.map((c) => quoteIdent(c)).join(', ');
}

function columnDefinition(plan: TablePlan, c: ColumnPlan): string {
  return `${quoteIdent(c.column)} ${c.sqlType} ${plan.keyColumns.includes(c.column) ? 'NOT NULL' : 'NULL'}`;
}

export function createTableSql(plan: TablePlan): string {
  const lines = plan.columns.map((c) => `  ${columnDefinition(plan, c)}`);
  lines.push(`  ${quoteIdent(EXTRA_COLUMN)} JSON NULL`);
  lines.push(`  PRIMARY KEY (${columnList(plan.keyColumns)})`);
  // Without a cursor the primary key is the only index a table needs.
  if (plan.cursorColumn) lines.push(`  KEY ${quoteIdent(CURSOR_INDEX)} (${columnList([plan.cursorColumn, ...plan.keyColumns])})`);
  if (plan.parentKeyColumn) lines.push(`  KEY ${quoteIdent(PARENT_INDEX)} (${quoteIdent(plan.parentKeyColumn)})`);
  return `CREATE TABLE ${quoteIdent(plan.table)} (\n${lines.join(',\n')}\n) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;
}

export function modifyColumnsSql(plan: TablePlan, columns: ColumnPlan[]): string {
  return `ALTER TABLE ${quoteIdent(plan.table)} ${columns.map((c) => `MODIFY COLUMN ${columnDefinition(plan, c)}`).join(', ')}`;
}

interface LiveColumn {
  name: string;
  dataType: string;
  charLength: number | null;
}

/** A table as information_schema describes it. Column names are looked up in lower case. */
export interface LiveTable {
  columns: Map<string, LiveColumn>;
  indexes: Set<string>;
}

type Db = Pool | PoolConnection;

export async function readLiveTable(db: Db, table: string): Promise<LiveTable | undefined> {
  const [cols] = await db.query<RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, CHARACTER_MAXIMUM_LENGTH AS charLength
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
    [table],
  );
  if (cols.length === 0) return undefined;
  const [indexes] = await db.query<RowDataPacket[]>(
    'SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [table],
  );
  return {
    columns: new Map(
      cols.map((r) => [
        String(r.name).toLowerCase(),
        { name: String(r.name), dataType: String(r.dataType), charLength: r.charLength === null ? null : Number(r.charLength) },
      ]),
    ),
    indexes: new Set(indexes.map((r) => String(r.name))),
  };
}

/** One DDL statement and the changes it makes. */
export interface SchemaStep {
  sql: string;
  changes: SchemaChange[];
}

/** The statements that bring a table (undefined: absent) up to the plan, in the order to run them. */
export function diffTable(plan: TablePlan, live: LiveTable | undefined): SchemaStep[] {
  const table = plan.table;
  if (!live) return [{ sql: createTableSql(plan), changes: [{ table, action: 'create table', detail: `${plan.columns.length} columns` }] }];
  const steps: SchemaStep[] = [];
  const missing = plan.columns.filter((c) => !live.columns.has(c.column.toLowerCase()));
  const adds = missing.map((c) => ({ clause: `ADD COLUMN ${quoteIdent(c.column)} ${c.sqlType} NULL`, detail: `${c.column} ${c.sqlType}` }));
  if (!live.columns.has(EXTRA_COLUMN))
    adds.push({ clause: `ADD COLUMN ${quoteIdent(EXTRA_COLUMN)} JSON NULL`, detail: `${EXTRA_COLUMN} JSON` });
  if (adds.length > 0) {
    steps.push({
      sql: `ALTER TABLE ${quoteIdent(table)} ${adds.map((a) => a.clause).join(', ')}`,
      changes: adds.map((a) => ({ table, action: 'add column', detail: a.detail })),
    });
  }
  // A metadata that now declares a longer MaxLength widens the column; a shorter one is ignored
  // (data already stored may need the room), and so are changes of type, which need a person.
  const widen: { column: ColumnPlan; from: LiveColumn }[] = [];
  for (const c of plan.columns) {
    const have = live.columns.get(c.column.toLowerCase());
    if (!have || (c.kind !== 'string' && c.kind !== 'text')) continue;
    const capacity = textCapacity(have.dataType, have.charLength);
    if (capacity !== undefined && capacity < (c.maxChars ?? 0)) widen.push({ column: c, from: have });
  }
  if (widen.length > 0) {
    steps.push({
      sql: modifyColumnsSql(
        plan,
        widen.map((w) => w.column),
      ),
      changes: widen.map((w) => ({
        table,
        action: 'widen column',
        detail: `${w.column.column} ${describeLive(w.from)} → ${w.column.sqlType} (metadata)`,
      })),
    });
  }
  if (!live.indexes.has('PRIMARY')) {
    steps.push({
      sql: `ALTER TABLE ${quoteIdent(table)} ADD PRIMARY KEY (${columnList(plan.keyColumns)})`,
      changes: [{ table, action: 'add index', detail: 'PRIMARY KEY' }],
    });
  }
  if (plan.cursorColumn && !live.indexes.has(CURSOR_INDEX)) {
    steps.push({
      sql: `ALTER TABLE ${quoteIdent(table)} ADD KEY ${quoteIdent(CURSOR_INDEX)} (${columnList([plan.cursorColumn, ...plan.keyColumns])})`,
      changes: [{ table, action: 'add index', detail: CURSOR_INDEX }],
    });
  }
  if (plan.parentKeyColumn && !live.indexes.has(PARENT_INDEX)) {
    steps.push({
      sql: `ALTER TABLE ${quoteIdent(table)} ADD KEY ${quoteIdent(PARENT_INDEX)} (${quoteIdent(plan.parentKeyColumn)})`,
      changes: [{ table, action: 'add index', detail: PARENT_INDEX }],
    });
  }
  return steps;
}

function describeLive(c: LiveColumn): string {
  return c.charLength !== null && /char/i.test(c.dataType) ? `${c.dataType.toUpperCase()}(${c.charLength})` : c.dataType.toUpperCase();
}

async function ensureBookkeeping(db: Db): Promise<void> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(SCHEMA_LOG_TABLE)} (
      id BIGINT AUTO_INCREMENT PRIMARY KEY,
      table_name VARCHAR(64) NOT NULL,
      action VARCHAR(32) NOT NULL,
      detail TEXT NOT NULL,
      applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
    ) DEFAULT CHARSET=utf8mb4`,
  );
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(REGISTRY_TABLE)} (
      table_name VARCHAR(64) NOT NULL PRIMARY KEY,
      source VARCHAR(64) NOT NULL,
      resource VARCHAR(128) NOT NULL,
      plan_hash CHAR(64) NOT NULL,
      column_count INT NOT NULL,
      applied_at DATETIME(3) NOT NULL
    ) DEFAULT CHARSET=utf8mb4`,
  );
}

export async function recordChanges(db: Db, changes: SchemaChange[]): Promise<void> {
  for (const change of changes) {
    await db.query(`INSERT INTO ${quoteIdent(SCHEMA_LOG_TABLE)} (table_name, action, detail) VALUES (?, ?, ?)`, [
      change.table,
      change.action,
      change.detail,
    ]);
  }
}

async function liveColumnCount(db: Db, table: string): Promise<number> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [table],
  );
  return Number(rows[0]?.n ?? 0);
}

async function registeredShape(db: Db, table: string): Promise<{ hash: string; columns: number } | undefined> {
  try {
    const [rows] = await db.query<RowDataPacket[]>(
      `SELECT plan_hash, column_count FROM ${quoteIdent(REGISTRY_TABLE)} WHERE table_name = ?`,
      [table],
    );
    const row = rows[0];
    return row ? { hash: String(row.plan_hash), columns: Number(row.column_count) } : undefined;
  } catch (err) {
    // A database no apply has touched yet (a dry run does not create the registry).
    if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') return undefined;
    throw err;
  }
}

async function register(db: Db, plan: TablePlan): Promise<void> {
  await db.query(
    `INSERT INTO ${quoteIdent(REGISTRY_TABLE)} (table_name, source, resource, plan_hash, column_count, applied_at)
     VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP(3))
     ON DUPLICATE KEY UPDATE source = VALUES(source), resource = VALUES(resource), plan_hash = VALUES(plan_hash),
       column_count = VALUES(column_count), applied_at = VALUES(applied_at)`,
    [plan.table, plan.source, plan.resource, planHash(plan), await liveColumnCount(db, plan.table)],
  );
}

export interface TableCheck {
  /** The registry holds this plan's hash and the table still has the columns it had then. */
  upToDate: boolean;
  steps: SchemaStep[];
}

/**
 * What applying the plan would do, without doing it. `db` null stands for a database that does
 * not exist yet (a dry run must not create it): every table is then created.
 */
export async function checkTable(db: Db | null, plan: TablePlan): Promise<TableCheck> {
  if (!db) return { upToDate: false, steps: diffTable(plan, undefined) };
  const registered = await registeredShape(db, plan.table);
  // The column count catches a table dropped or altered by hand since it was registered.
  if (registered?.hash === planHash(plan) && (await liveColumnCount(db, plan.table)) === registered.columns) {
    return { upToDate: true, steps: [] };
  }
  return { upToDate: false, steps: diffTable(plan, await readLiveTable(db, plan.table)) };
}

/**
 * Runs DDL with InnoDB's strict row-size check off. Property has ~650 columns; the strict check
 * assumes every one is filled to its maximum at once and refuses the table. Real rows are far
 * smaller, and a row that truly does not fit is rejected at write time (and kept in rejects).
 */
async function withRelaxedDdl<T>(pool: Pool, fn: (conn: PoolConnection) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  try {
    await conn.query('SET SESSION innodb_strict_mode = OFF');
    return await fn(conn);
  } finally {
    await conn.query('SET SESSION innodb_strict_mode = DEFAULT').catch(() => undefined);
    conn.release();
  }
}

export interface ApplyResult {
  upToDate: boolean;
  changes: SchemaChange[];
}

/** Brings the table up to the plan, logs what changed and registers the plan. */
export async function applyTable(pool: Pool, plan: TablePlan): Promise<ApplyResult> {
  await ensureBookkeeping(pool);
  return applyChecked(pool, plan, await checkTable(pool, plan));
}

/** applyTable once the table has been checked (the bookkeeping tables exist). */
async function applyChecked(pool: Pool, plan: TablePlan, check: TableCheck): Promise<ApplyResult> {
  if (check.upToDate) return { upToDate: true, changes: [] };
  return withRelaxedDdl(pool, async (conn) => {
    const changes: SchemaChange[] = [];
    for (const step of check.steps) {
      await conn.query(step.sql);
      changes.push(...step.changes);
      // Logged step by step: DDL commits on its own, so a later failure must not hide it.
      await recordChanges(conn, step.changes);
    }
    await register(conn, plan);
    return { upToDate: false, changes };
  });
}

/** What sync calls before a run: the changes made (empty when the table was up to date). */
export async function applySchema(pool: Pool, plan: TablePlan): Promise<SchemaChange[]> {
  return (await applyTable(pool, plan)).changes;
}

/**
 * applySchema for a table and its child tables, in order. Every run starts here and the tables are
 * nearly always up to date, so they are checked side by side (reads on separate connections); the
 * ones that are not are then brought up to date one after the other (a child's DDL after its parent's).
 */
export async function applySchemas(pool: Pool, plans: TablePlan[]): Promise<SchemaChange[]> {
  await ensureBookkeeping(pool);
  const checks = await Promise.all(plans.map((plan) => checkTable(pool, plan)));
  const changes: SchemaChange[] = [];
  for (const [i, plan] of plans.entries()) changes.push(...(await applyChecked(pool, plan, checks[i]!)).changes);
  return changes;
}

/** Widens columns whose data outgrew them (see MysqlDestination.writePage); logs each change. */
export async function widenColumns(pool: Pool, plan: TablePlan, widenings: { to: ColumnPlan; detail: string }[]): Promise<SchemaChange[]> {
  if (widenings.length === 0) return [];
  await ensureBookkeeping(pool);
  const changes = widenings.map((w): SchemaChange => ({ table: plan.table, action: 'widen column', detail: w.detail }));
  await withRelaxedDdl(pool, async (conn) => {
    await conn.query(
      modifyColumnsSql(
        plan,
        widenings.map((w) => w.to),
      ),
    );
    await recordChanges(conn, changes);
  });
  return changes;
}
