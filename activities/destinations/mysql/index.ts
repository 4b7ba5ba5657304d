/**
 * The MySQL/MariaDB destination: schema from $metadata, byte-sized batched upserts, one
 * transaction per page, and text columns widened when the data outgrows them. Expanded
 * navigations (Media inside Property) live in child tables replaced with their parent; the
 * `transform` and `keyMapping` hooks of the config shape records and keys on the way in.
 */
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { MysqlDestinationConfig } from '../../../config';
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
import { childPlacement, navigationFields, navigationNames, pageWriteResult, shapeHooks, shapePage } from '../shape';
import { quoteIdent } from './identifiers';
import { keysNotAfter, readKeyPage } from './keys';
import { mediaTables, MysqlMediaFiles } from './media-files';
import { readPacketLimit } from './packet';
import { databaseExists, openPool } from './pool';
import { storedForms, wantedForms } from './record-forms';
import { adoptLiveType, declaredRowBytes, ROW_BYTE_BUDGET, widenColumn } from './columns';
import {
  applySchemas,
  PARENT_KEY_COLUMN,
  planChildTable,
  planTable,
  readLiveTable,
  widenColumns,
  type Naming,
  type TablePlan,
} from './schema';
import { lineTable, linePlan } from './line-plan';
import { isBare, wholeRecords, WholeRecordsNeeded, type LinePlan } from '../../common/load-lines';
import { prepareRowsYielding, upsertSql, writeRows, type ChildWrite, type PrepareOptions, type PreparedRows } from './writer';

interface PlanEntry {
  plan: TablePlan;
  sql: string;
}

/** Keys per `IN (…)` list. */
const IN_CHUNK = 1000;

export class MysqlDestination implements Destination {
  private pool: Promise<Pool> | undefined;
  private readonly plans = new Map<string, PlanEntry>();
  /** The server's max_allowed_packet, read once per pool: batches are sized from it. */
  private packetBytes: number | undefined;
  /** Per resource table: whether its pages try the bulk path first (see bulkWorthy). */
  private readonly bulkTables = new Map<string, boolean>();
  /** The server refused LOAD DATA LOCAL once: it will not allow it for later pages either. */
  private bulkUnavailable = false;
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

  /** The pool when the database exists, else undefined: looking (record, dashboard) creates nothing. */
  private async lookPool(): Promise<Pool | undefined> {
    if (!this.pool && !(await databaseExists(this.config.url))) return undefined;
    return this.getPool();
  }

  /**
   * Whether to try the bulk path (bulk-load.ts) for a resource's pages: while its table was empty
   * when this worker first wrote to it, until a page holds a key that is stored already. Only a
   * guess at what is cheaper: the bulk path checks every page itself and hands back what it cannot
   * insert as it is.
   */
  private async bulkWorthy(pool: Pool, table: string, plan: TablePlan): Promise<boolean> {
    if (this.config.bulkLoad === false || this.bulkUnavailable) return false;
    let worthy = this.bulkTables.get(table);
    if (worthy === undefined) {
      const [rows] = await pool.query<RowDataPacket[]>(`SELECT 1 FROM ${quoteIdent(plan.table)} LIMIT 1`);
      worthy = rows.length === 0;
      this.bulkTables.set(table, worthy);
    }
    return worthy;
  }

  private planned(id: string, make: () => TablePlan): PlanEntry {
    let entry = this.plans.get(id);
    if (!entry) {
      const plan = make();
      entry = { plan, sql: upsertSql(plan) };
      this.plans.set(id, entry);
    }
    return entry;
  }

  private tableFor(resource: ResourceModel): PlanEntry {
    return this.planned(tableId(resource), () => planTable(resource, this.naming));
  }

  private childTableFor(resource: ResourceModel, child: ChildModel): PlanEntry {
    return this.planned(childTableId(resource, child), () => planChildTable(resource, child, this.naming));
  }

  async ensureSchema(resource: ResourceModel): Promise<SchemaChange[]> {
    const plans = [this.tableFor(resource).plan, ...(resource.children ?? []).map((c) => this.childTableFor(resource, c).plan)];
    if (!this.config.manageSchema) return [];
    const pool = await this.getPool();
    return applySchemas(pool, plans);
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

  async highWaterTie(resource: ResourceModel): Promise<HighWaterTie | null> {
    const mark = await this.highWaterMark(resource);
    if (!mark) return null;
    const { plan } = this.tableFor(resource);
    const pool = await this.getPool();
    const ts = quoteIdent(plan.cursorColumn!);
    const key = plan.columns.find((c) => c.column === plan.keyColumns[0])!;
    const fraction = plan.columns.find((c) => c.column === plan.cursorColumn)?.fraction ?? 6;
    // The (cursor, key) index answers both from the rows at one timestamp.
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n, MAX(${quoteIdent(key.column)}) AS k FROM ${quoteIdent(plan.table)} WHERE ${ts} = ?`,
      [toMysqlDatetime(parseInstant(mark.timestamp)!, fraction)],
    );
    const stored = rows[0]?.k as string | number | null | undefined;
    if (stored === null || stored === undefined) return null;
    const greatest = String(stored);
    return {
      timestamp: mark.timestamp,
      until: addFractionUnit(mark.timestamp, fraction),
      rows: Number(rows[0]?.n ?? 0),
      greatestKey: this.config.keyMapping ? this.config.keyMapping.toMls(greatest, resource.resource) : greatest,
    };
  }

  /**
   * Lines are worth writing while the resource's pages take the bulk path (or may: an unknown
   * table is looked at by the first page), and only when the rows are the records' own values: no
   * transform, no key mapping.
   */
  linePlan(resource: ResourceModel): LinePlan | undefined {
    const table = tableId(resource);
    if (this.config.bulkLoad === false || this.bulkUnavailable || this.bulkTables.get(table) === false) return undefined;
    if (this.config.transform || this.config.keyMapping) return undefined;
    return linePlan(
      resource.keyField,
      this.tableFor(resource).plan,
      navigationNames(resource),
      (resource.children ?? []).map((child) => ({
        navigation: child.navigation,
        parentKeyField: PARENT_KEY_COLUMN,
        plan: this.childTableFor(resource, child).plan,
      })),
    );
  }

  async writePage(resource: ResourceModel, sent: Record<string, unknown>[]): Promise<WriteResult> {
    try {
      return await this.writeShaped(resource, sent);
    } catch (err) {
      // Bare records (common/load-lines.ts) the bulk path with their lines cannot take: nothing was
      // committed (the bulk path's transaction rolled back, or no SQL ran), so the page starts over whole.
      if (!(err instanceof WholeRecordsNeeded)) throw err;
      this.logger?.debug({ destination: this.name, resource: resource.resource, reason: err.message }, 'bare records made whole');
      return this.writeShaped(resource, await wholeRecords(sent));
    }
  }

  private async writeShaped(resource: ResourceModel, sent: Record<string, unknown>[]): Promise<WriteResult> {
    const pool = await this.getPool();
    this.packetBytes ??= await readPacketLimit(pool);
    // One copy per key, transformed, children taken out: the shaping every destination shares.
    const page = shapePage(resource, sent, shapeHooks(this.name, this.config, PARENT_KEY_COLUMN, this.logger));
    // A reject keeps the record as sent, which a bare one is not.
    const refused = [...page.rejects, ...page.children.flatMap((c) => c.rejects)];
    if (refused.some((r) => isBare(r.record))) throw new WholeRecordsNeeded('shaping refused a bare record');
    const table = tableId(resource);
    const bulk = await this.bulkWorthy(pool, table, this.tableFor(resource).plan);
    const prepareAll = async (withLines: boolean) => {
      const ignore = resource.entity.navigation.length > 0 ? navigationFields(resource) : undefined;
      const navigations = JSON.stringify(navigationNames(resource));
      const parent = await this.prepare(
        pool,
        table,
        resource.resource,
        () => this.tableFor(resource),
        resource.keyField,
        page.parents,
        {
          ...this.keyOptions(resource.resource),
          ...(ignore ? { ignore } : {}),
        },
        withLines ? (plan) => lineTable(plan, navigations).id : undefined,
      );
      const children: ChildWrite[] = [];
      for (const [i, child] of (resource.children ?? []).entries()) {
        const staged = page.children[i]!;
        const prepared = await this.prepare(
          pool,
          childTableId(resource, child),
          child.resource,
          () => this.childTableFor(resource, child),
          child.keyField,
          staged.records,
          this.keyOptions(child.resource),
          withLines ? (plan) => lineTable(plan, PARENT_KEY_COLUMN).id : undefined,
        );
        children.push({ ...prepared, ...childPlacement(child, staged) });
      }
      return { parent, children };
    };
    // Lines only serve the bulk path.
    const { parent, children } = await prepareAll(bulk);
    for (const [i, child] of (resource.children ?? []).entries()) {
      const staged = page.children[i]!;
      if (staged.truncated.size > 0) {
        this.logger?.warn(
          { destination: this.name, resource: resource.resource, navigation: child.navigation, parents: staged.truncated.size },
          'the server cut expanded children short (a nextLink inside the expansion): those were upserted, none deleted; set expand top',
        );
      }
    }
    let prepared = { parent, children };
    const written = await writeRows(pool, parent, this.packetBytes, children, {
      bulk,
      withoutLines: async () => (prepared = await prepareAll(false)),
      onBulkRefused: (reason) => {
        // One page that needed the upsert means stored keys: later pages upsert from the start.
        this.bulkTables.set(table, false);
        if (reason.unavailable) this.bulkUnavailable = true;
        this.logger?.info(
          { destination: this.name, resource: resource.resource, reason: reason.message },
          reason.unavailable
            ? 'LOAD DATA LOCAL is refused by the server: pages are upserted'
            : 'initial load: the bulk path ends here; pages are upserted from now on',
        );
      },
    });
    const decisions = [prepared.parent, ...prepared.children].flatMap((t) => t.prepared.decisions);
    return pageWriteResult(resource, page, written, decisions, { destination: this.name, logger: this.logger });
  }

  /**
   * Prepares rows for one table. With the schema in our hands, text that outgrew its column widens
   * the column (before the page's transaction: DDL would commit it) instead of sending the record
   * to rejects. One round is enough: prepareRows reports every column a record outgrows.
   */
  private async prepare(
    pool: Pool,
    id: string,
    label: string,
    entryOf: () => PlanEntry,
    keyField: string,
    records: Record<string, unknown>[],
    opts: PrepareOptions,
    lineId?: (plan: TablePlan) => string,
  ): Promise<PlanEntry & { prepared: PreparedRows }> {
    let entry = entryOf();
    const withLines = (plan: TablePlan): PrepareOptions => (lineId ? { ...opts, lines: lineId(plan) } : opts);
    let prepared = await prepareRowsYielding(entry.plan, keyField, records, withLines(entry.plan));
    if (this.config.manageSchema && prepared.overflows.size > 0 && (await this.widen(pool, id, label, entry.plan, prepared.overflows))) {
      entry = entryOf();
      prepared = await prepareRowsYielding(entry.plan, keyField, records, withLines(entry.plan));
    }
    return { ...entry, prepared };
  }

  private keyOptions(resource: string): PrepareOptions {
    const mapping = this.config.keyMapping;
    return mapping ? { mapKey: (key) => mapping.toDestination(key, resource) } : {};
  }

  /** The key a record is stored under in this destination. */
  private destinationKey(resource: string, key: string): string {
    return this.config.keyMapping ? this.config.keyMapping.toDestination(key, resource) : key;
  }

  /** Widens what can be widened; true when the plan changed (the page must be prepared again). */
  private async widen(pool: Pool, id: string, label: string, plan: TablePlan, overflows: PreparedRows['overflows']): Promise<boolean> {
    // A child's parent-key column must stay an indexable binary VARCHAR like the key itself.
    const keys = new Set(plan.parentKeyColumn ? [...plan.keyColumns, plan.parentKeyColumn] : plan.keyColumns);
    // Values no widening could hold (a Guid past CHAR(36), a key past 255) cost no query.
    const growable = [...overflows].some(([column, need]) => {
      const c = plan.columns.find((p) => p.column === column);
      return c && widenColumn(c, need.chars, { isKey: keys.has(column), spareRowBytes: Number.POSITIVE_INFINITY });
    });
    if (!growable) return false;
    const live = await readLiveTable(pool, plan.table);
    if (!live) return false;
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
    for (const change of changes) this.logger?.warn({ destination: this.name, resource: label, change }, 'column widened for data');
    if (columns.every((c, i) => c === plan.columns[i])) return false;
    const widened: TablePlan = { ...plan, columns, byField: new Map(columns.map((c) => [c.field, c])) };
    this.plans.set(id, { plan: widened, sql: upsertSql(widened) });
    return true;
  }

  async deleteRecords(resource: ResourceModel, keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const { plan } = this.tableFor(resource);
    const purged = (resource.children ?? []).filter((c) => c.purgeWithParent).map((c) => this.childTableFor(resource, c).plan);
    const stored = keys.map((k) => this.destinationKey(resource.resource, k));
    const pool = await this.getPool();
    const conn = await pool.getConnection();
    let deleted = 0;
    try {
      // Children and parents go together or not at all.
      await conn.beginTransaction();
      for (let i = 0; i < stored.length; i += IN_CHUNK) {
        const chunk = stored.slice(i, i + IN_CHUNK);
        for (const child of purged) {
          await conn.query(`DELETE FROM ${quoteIdent(child.table)} WHERE ${quoteIdent(child.parentKeyColumn!)} IN (?)`, [chunk]);
        }
        const [result] = await conn.query<ResultSetHeader>(
          `DELETE FROM ${quoteIdent(plan.table)} WHERE ${quoteIdent(plan.keyColumns[0]!)} IN (?)`,
          [chunk],
        );
        deleted += result.affectedRows;
      }
      await conn.commit();
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw err;
    } finally {
      conn.release();
    }
    return deleted;
  }

  async count(resource: ResourceModel): Promise<number> {
    const { plan } = this.tableFor(resource);
    const pool = await this.getPool();
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteIdent(plan.table)}`);
    return Number(rows[0]?.n ?? 0);
  }

  async readKeys(resource: ResourceModel, after: string | null, limit: number): Promise<StoredKey[]> {
    return readKeyPage(await this.getPool(), this.tableFor(resource).plan, after, limit);
  }

  async keysNotAfter(resource: ResourceModel, keys: string[], notAfter: string): Promise<string[]> {
    return keysNotAfter(await this.getPool(), this.tableFor(resource).plan, keys, notAfter);
  }

  tablePlan(resource: ResourceModel): TablePlan {
    return this.tableFor(resource).plan;
  }

  /** The files ledger beside a Media table (media-files.ts): an expanded navigation's child table, or the Media resource's own. */
  async mediaFiles(resource: ResourceModel, navigation: string | null): Promise<MediaFilesLedger> {
    const plan = navigation === null ? this.tablePlan(resource) : this.childTablePlan(resource, navigation);
    return new MysqlMediaFiles(await this.getPool(), mediaTables(plan, navigation === null ? 'ResourceRecordKey' : null));
  }

  /** The child table of an expanded navigation (tests, record lookup). */
  async countChildren(resource: ResourceModel, navigation: string): Promise<{ store: string; count: number }> {
    const table = this.childTablePlan(resource, navigation).table;
    const pool = await this.getPool();
    try {
      const [rows] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteIdent(table)}`);
      return { store: table, count: Number(rows[0]?.n ?? 0) };
    } catch (err) {
      // Nothing synced yet: no rows, which is a fact, not a failure.
      if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') return { store: table, count: 0 };
      throw err;
    }
  }

  /** `resync record`: the row and the record the writer would store, column by column, each comparable. */
  async recordForms(resource: ResourceModel, key: string, record: Record<string, unknown> | null): Promise<RecordForms> {
    const { plan } = this.tableFor(resource);
    const base = { store: plan.table, columns: Object.fromEntries(plan.columns.map((c) => [c.field, c.column])) };
    const pool = await this.lookPool();
    let row: RowDataPacket | undefined;
    try {
      [[row]] = pool
        ? await pool.query<RowDataPacket[]>(
            `SELECT * FROM ${quoteIdent(plan.table)} WHERE ${quoteIdent(plan.keyColumns[0]!)} = ? LIMIT 1`,
            [this.destinationKey(resource.resource, key)],
          )
        : [[]];
    } catch (err) {
      if ((err as { code?: string }).code !== 'ER_NO_SUCH_TABLE') throw err;
    }
    const stored = row ? storedForms(plan, row) : null;
    if (!record) return { ...base, skipped: false, wanted: null, stored };
    // Shaped exactly as writePage shapes it (transform, then the stored key).
    const page = shapePage(resource, [record], shapeHooks(this.name, this.config, PARENT_KEY_COLUMN, this.logger));
    const shaped = page.parents[0];
    if (!shaped) {
      const reject = page.rejects[0];
      return reject
        ? { ...base, skipped: false, wanted: { rejected: reject.reason }, stored }
        : { ...base, skipped: true, wanted: null, stored };
    }
    const keyed = { ...shaped, [resource.keyField]: this.destinationKey(resource.resource, String(shaped[resource.keyField])) };
    return { ...base, skipped: false, wanted: wantedForms(plan, keyed), stored };
  }

  /** The dashboard's count: rows and newest cursor of a table found by its configured name (none yet: 0). */
  async storedCount(source: string, resource: string, cursorField: string | null): Promise<StoredCount> {
    const pool = await this.lookPool();
    if (!pool) return { count: 0, newest: null };
    const column = cursorField === null ? null : this.naming.field(resource, cursorField);
    try {
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT COUNT(*) AS n${column === null ? '' : `, MAX(${quoteIdent(column)}) AS newest`} FROM ${quoteIdent(this.naming.table(source, resource))}`,
      );
      const newest = rows[0]?.newest as string | null | undefined;
      return { count: Number(rows[0]?.n ?? 0), newest: newest ? (canonicalTimestamp(`${newest.replace(' ', 'T')}Z`) ?? null) : null };
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') return { count: 0, newest: null };
      throw err;
    }
  }

  childTablePlan(resource: ResourceModel, navigation: string): TablePlan {
    const child = resource.children?.find((c) => c.navigation === navigation);
    if (!child) throw new Error(`${resource.resource} does not expand ${navigation}`);
    return this.childTableFor(resource, child).plan;
  }

  async close(): Promise<void> {
    const pool = await this.pool?.catch(() => undefined);
    this.pool = undefined;
    this.packetBytes = undefined;
    await pool?.end();
  }
}

function tableId(resource: ResourceModel): string {
  return `${resource.source}/${resource.resource}`;
}

function childTableId(resource: ResourceModel, child: ChildModel): string {
  return `${resource.source}/${resource.resource}/${child.navigation}`;
}
