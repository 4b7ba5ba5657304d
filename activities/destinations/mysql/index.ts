/**
 * The MySQL/MariaDB destination: schema from $metadata, byte-sized batched upserts, one
 * transaction per page.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { MysqlDestinationConfig } from '../../../config';
import { canonicalTimestamp } from '../../common/timestamps';
import type { Destination, ResourceModel, SchemaChange, WriteResult } from '../destination';
import { quoteIdent } from './identifiers';
import { openPool } from './pool';
import { applySchema, planTable, type Naming, type TablePlan } from './schema';
import { prepareRows, upsertSql, writeRows } from './writer';

export class MysqlDestination implements Destination {
  private pool: Promise<Pool> | undefined;
  private readonly plans = new Map<string, { plan: TablePlan; sql: string }>();
  private maxBatchBytes: number | undefined;
  private readonly naming: Naming;

  constructor(
    readonly name: string,
    private readonly config: MysqlDestinationConfig,
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
    const { plan, sql } = this.tableFor(resource);
    const pool = await this.getPool();
    this.maxBatchBytes ??= await batchBytesFor(pool);
    const prepared = prepareRows(plan, resource.keyField, records);
    return writeRows(pool, plan, sql, prepared, this.maxBatchBytes);
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
