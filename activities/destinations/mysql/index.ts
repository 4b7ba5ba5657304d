/**
 * The MySQL/MariaDB destination: schema from $metadata, byte-sized batched upserts, one
 * transaction per page, and text columns widened when the data outgrows them.
 */
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { MysqlDestinationConfig } from '../../../config';
import { canonicalTimestamp } from '../../common/timestamps';
import type { Destination, ResourceModel, SchemaChange, WriteResult } from '../destination';
import { quoteIdent } from './identifiers';
import { openPool } from './pool';
import { adoptLiveType, declaredRowBytes, ROW_BYTE_BUDGET, widenColumn } from './columns';
import { applySchema, planTable, readLiveTable, widenColumns, type Naming, type TablePlan } from './schema';
import { prepareRows, upsertSql, writeRows, type PreparedRows } from './writer';

export class MysqlDestination implements Destination {
  private pool: Promise<Pool> | undefined;
  private readonly plans = new Map<string, { plan: TablePlan; sql: string }>();
  private maxBatchBytes: number | undefined;
  private readonly naming: Naming;

  constructor(
    readonly name: string,
    private readonly config: MysqlDestinationConfig,
    private readonly logger?: Logger,
  ) {
    this.naming = {
      table: (source, resource) => config.makeTableName?.(source, resource) ?? resource,
      field: (resource, field) => config.makeFieldName?.(resource, field) ?? field,
    };
  }

  private async getPool(): Promise<Pool> {
    this.pool ??= openPool(this.config.url).catch((err: unknown) => {
      this.pool = undefined;
      throw new Error(`destination ${this.name}: cannot connect: ${(err as Error).message}`);
    });
    return this.pool;
  }

  private tableFor(resource: ResourceModel): { plan: TablePlan; sql: string } {
    const id = `${resource.source}/${resource.resource}`;
    let entry = this.plans.get(id);
    if (!entry) {
      const plan = planTable(resource, this.naming);
      entry = { plan, sql: upsertSql(plan) };
      this.plans.set(id, entry);
    }
    return entry;
  }

  async ensureSchema(resource: ResourceModel): Promise<SchemaChange[]> {
    const { plan } = this.tableFor(resource);
    if (!this.config.manageSchema) return [];
    return applySchema(await this.getPool(), plan);
  }

  async highWaterMark(resource: ResourceModel): Promise<{ timestamp: string; key: string } | null> {
    const { plan } = this.tableFor(resource);
    const pool = await this.getPool();
    if (!plan.cursorColumn) throw new Error(`destination ${this.name}: ${resource.resource} has no cursor column`);
    const ts = quoteIdent(plan.cursorColumn);
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT MAX(${ts}) AS hwm FROM ${quoteIdent(plan.table)}`);
    const value = rows[0]?.hwm as string | null | undefined;
    if (!value) return null;
    const canonical = canonicalTimestamp(`${value.replace(' ', 'T')}Z`);
    if (!canonical) throw new Error(`destination ${this.name}: unreadable high-water mark ${value}`);
    // key '' = start at this timestamp inclusive: records that share it but arrived after the
    // previous run ended are picked up (ties across run boundaries).
    return { timestamp: canonical, key: '' };
  }

  async writePage(resource: ResourceModel, records: Record<string, unknown>[]): Promise<WriteResult> {
    let entry = this.tableFor(resource);
    const pool = await this.getPool();
    this.maxBatchBytes ??= await batchBytesFor(pool);
    let prepared = prepareRows(entry.plan, resource.keyField, records);
    // With the schema in our hands, text that outgrew its column widens the column (before the
    // page's transaction: DDL would commit it) instead of sending the record to rejects. One round
    // is enough: prepareRows reports every column a record outgrows.
    if (this.config.manageSchema && prepared.overflows.size > 0 && (await this.widen(pool, resource, entry.plan, prepared.overflows))) {
      entry = this.tableFor(resource);
      prepared = prepareRows(entry.plan, resource.keyField, records);
    }
    return writeRows(pool, entry.plan, entry.sql, prepared, this.maxBatchBytes);
  }

  /** Widens what can be widened; true when the plan changed (the page must be prepared again). */
  private async widen(pool: Pool, resource: ResourceModel, plan: TablePlan, overflows: PreparedRows['overflows']): Promise<boolean> {
    const live = await readLiveTable(pool, plan.table);
    if (!live) return false;
    const keys = new Set(plan.keyColumns);
    // Start from what the table really is: another worker (or an earlier run) may have widened it.
    const columns = plan.columns.map((c) => {
      const have = live.columns.get(c.column.toLowerCase());
      return have ? adoptLiveType(c, have.dataType, have.charLength, keys.has(c.column)) : c;
    });
    let spare = ROW_BYTE_BUDGET - columns.reduce((sum, c) => sum + declaredRowBytes(c), 0);
    const widenings = [];
    for (const [column, need] of overflows) {
      const i = columns.findIndex((c) => c.column === column);
      const current = columns[i];
      if (!current || need.chars <= (current.maxChars ?? 0)) continue;
      const to = widenColumn(current, need.chars, { isKey: keys.has(column), spareRowBytes: spare });
      if (!to) continue;
      spare -= declaredRowBytes(to) - declaredRowBytes(current);
      columns[i] = to;
      widenings.push({ to, detail: `${column} ${current.sqlType} → ${to.sqlType}: a value of ${need.chars} characters (key ${need.key})` });
    }
    const changes = await widenColumns(pool, plan, widenings);
    for (const change of changes)
      this.logger?.warn({ destination: this.name, resource: resource.resource, change }, 'column widened for data');
    if (columns.every((c, i) => c === plan.columns[i])) return false;
    const widened: TablePlan = { ...plan, columns, byField: new Map(columns.map((c) => [c.field, c])) };
    this.plans.set(`${resource.source}/${resource.resource}`, { plan: widened, sql: upsertSql(widened) });
    return true;
  }

  async deleteRecords(resource: ResourceModel, keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const { plan } = this.tableFor(resource);
    const pool = await this.getPool();
    const [result] = await pool.query<ResultSetHeader>(
      `DELETE FROM ${quoteIdent(plan.table)} WHERE ${quoteIdent(plan.keyColumns[0]!)} IN (?)`,
      [keys],
    );
    return result.affectedRows;
  }

  async count(resource: ResourceModel): Promise<number> {
    const { plan } = this.tableFor(resource);
    const pool = await this.getPool();
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteIdent(plan.table)}`);
    return Number(rows[0]?.n ?? 0);
  }

  tablePlan(resource: ResourceModel): TablePlan {
    return this.tableFor(resource).plan;
  }

  async close(): Promise<void> {
    const pool = await this.pool?.catch(() => undefined);
    this.pool = undefined;
    await pool?.end();
  }
}

/** A quarter of max_allowed_packet (escaping can double a value), between 1 and 16 MB. */
async function batchBytesFor(pool: Pool): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT @@max_allowed_packet AS p');
  const packet = Number(rows[0]?.p ?? 4_194_304);
  return Math.min(16 * 1024 * 1024, Math.max(1024 * 1024, Math.floor(packet / 4)));
}
