/**
 * Creates and migrates a resource's table from its metadata. Changes are additive (new columns,
 * a missing primary key or cursor index); nothing is dropped. Every change is named, logged and
 * recorded in `_resync_schema_log`.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { ResourceModel, SchemaChange } from '../destination';
import { fitRowLimit, planColumn, type ColumnPlan } from './columns';
import { quoteIdent } from './identifiers';

/** Fields the MLS sent that are not in $metadata are kept here as JSON, never dropped. */
export const EXTRA_COLUMN = '_resync_extra';

export interface TablePlan {
  table: string;
  columns: ColumnPlan[];
  keyColumns: string[];
  cursorColumn: string;
  byField: Map<string, ColumnPlan>;
}

export interface Naming {
  table(source: string, resource: string): string;
  field(resource: string, field: string): string;
}

export function planTable(resource: ResourceModel, naming: Naming): TablePlan {
  const table = naming.table(resource.source, resource.resource);
  quoteIdent(table, `table name for ${resource.resource}`);
  const keyFields = new Set(resource.entity.key);
  const plans = resource.entity.fields.map((f) => {
    const column = naming.field(resource.resource, f.name);
    quoteIdent(column, `column name for ${resource.resource}.${f.name}`);
    return planColumn(f, column, resource.model, { isKey: keyFields.has(f.name) });
  });
  const keyColumns = resource.entity.key.map((k) => naming.field(resource.resource, k));
  const columns = fitRowLimit(plans, new Set(keyColumns));
  const seen = new Map<string, string>();
  for (const c of columns) {
    const clash = seen.get(c.column.toLowerCase());
    if (clash) throw new Error(`${resource.resource}: fields ${clash} and ${c.field} both map to column ${c.column}`);
    seen.set(c.column.toLowerCase(), c.field);
  }
  const cursor = columns.find((c) => c.field === resource.cursorField);
  if (!cursor) throw new Error(`${resource.resource}: cursor field ${resource.cursorField} is not in $metadata`);
  return {
    table,
    columns,
    keyColumns,
    cursorColumn: cursor.column,
    byField: new Map(columns.map((c) => [c.field, c])),
  };
}

const CURSOR_INDEX = 'resync_cursor';

export function createTableSql(plan: TablePlan): string {
  const cols = plan.columns.map((c) => {
    const notNull = plan.keyColumns.includes(c.column) ? ' NOT NULL' : ' NULL';
    return `  ${quoteIdent(c.column)} ${c.sqlType}${notNull}`;
  });
  cols.push(`  ${quoteIdent(EXTRA_COLUMN)} JSON NULL`);
  cols.push(`  PRIMARY KEY (${plan.keyColumns.map((k) => quoteIdent(k)).join(', ')})`);
  cols.push(`  KEY ${quoteIdent(CURSOR_INDEX)} (${[plan.cursorColumn, ...plan.keyColumns].map((k) => quoteIdent(k)).join(', ')})`);
  return `CREATE TABLE ${quoteIdent(plan.table)} (\n${cols.join(',\n')}\n) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;
}

async function ensureLogTable(pool: Pool): Promise<void> {
  await pool.query(
    `CREATE TABLE IF NOT EXISTS \`_resync_schema_log\` (
      id BIGINT AUTO_INCREMENT PRIMARY KEY,
      table_name VARCHAR(64) NOT NULL,
      action VARCHAR(32) NOT NULL,
      detail TEXT NOT NULL,
      applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
    ) DEFAULT CHARSET=utf8mb4`,
  );
}

export async function applySchema(pool: Pool, plan: TablePlan): Promise<SchemaChange[]> {
  await ensureLogTable(pool);
  const [existing] = await pool.query<RowDataPacket[]>(
    'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [plan.table],
  );
  const changes: SchemaChange[] = [];
  const conn = await pool.getConnection();
  try {
    // Property has ~650 columns; InnoDB's strict check assumes every one is filled to its maximum
    // at once and refuses the table. Real rows are far smaller, and a row that truly does not fit
    // is rejected at write time (and kept in rejects), so the check is relaxed for DDL only.
    await conn.query('SET SESSION innodb_strict_mode = OFF');
    if (existing.length === 0) {
      await conn.query(createTableSql(plan));
      changes.push({ table: plan.table, action: 'create table', detail: `${plan.columns.length} columns` });
    } else {
      const have = new Set(existing.map((r) => String(r.name).toLowerCase()));
      const missing = plan.columns.filter((c) => !have.has(c.column.toLowerCase()));
      if (!have.has(EXTRA_COLUMN)) missing.push({ field: EXTRA_COLUMN, column: EXTRA_COLUMN, kind: 'json', sqlType: 'JSON' });
      if (missing.length > 0) {
        await conn.query(
          `ALTER TABLE ${quoteIdent(plan.table)} ${missing.map((c) => `ADD COLUMN ${quoteIdent(c.column)} ${c.sqlType} NULL`).join(', ')}`,
        );
        for (const c of missing) changes.push({ table: plan.table, action: 'add column', detail: `${c.column} ${c.sqlType}` });
      }
      const [indexes] = await conn.query<RowDataPacket[]>(
        'SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
        [plan.table],
      );
      const names = new Set(indexes.map((r) => String(r.name)));
      if (!names.has('PRIMARY')) {
        await conn.query(`ALTER TABLE ${quoteIdent(plan.table)} ADD PRIMARY KEY (${plan.keyColumns.map((k) => quoteIdent(k)).join(', ')})`);
        changes.push({ table: plan.table, action: 'add index', detail: 'PRIMARY KEY' });
      }
      if (!names.has(CURSOR_INDEX)) {
        await conn.query(
          `ALTER TABLE ${quoteIdent(plan.table)} ADD KEY ${quoteIdent(CURSOR_INDEX)} (${[plan.cursorColumn, ...plan.keyColumns].map((k) => quoteIdent(k)).join(', ')})`,
        );
        changes.push({ table: plan.table, action: 'add index', detail: CURSOR_INDEX });
      }
    }
    for (const change of changes) {
      await conn.query('INSERT INTO `_resync_schema_log` (table_name, action, detail) VALUES (?, ?, ?)', [
        change.table,
        change.action,
        change.detail,
      ]);
    }
  } finally {
    await conn.query('SET SESSION innodb_strict_mode = DEFAULT').catch(() => undefined);
    conn.release();
  }
  return changes;
}
