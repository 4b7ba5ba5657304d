/**
 * Creates and migrates a resource's PostgreSQL table from its metadata, by the MySQL rules:
 * changes are additive (new columns, a missing primary key or cursor index) or widen a column;
 * nothing is dropped or narrowed; every change is logged in `_resync_schema_log`; the plan a
 * table was last brought up to date with is remembered in `_resync_schema`, so an unchanged table
 * costs three small queries and a second apply changes nothing.
 *
 * Two PostgreSQL limits shape the table (docs/decisions.md):
 * - A row must fit in one 8 KB heap page once long values are moved out of line (TOAST). Values
 *   of up to 24 bytes and fixed-width types stay in the row, so a ~650-column Property can fail
 *   with "row is too big" however it is typed. Every record is therefore kept whole in `_raw`
 *   (jsonb, moved out of line), and typed columns are given to fields (in TYPED_ORDER) only
 *   while the worst case of the row still fits; the other fields live in `_raw` alone.
 * - A table has at most 1,600 columns, dropped ones included: counted, never exceeded.
 * Which field is stored where, and under which (≤ 63-byte) identifier, is in `_resync_columns`.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { ChildModel, ResourceModel, SchemaChange } from '../destination';
import { ResourceUnusable, unusableReason } from '../../source/metadata/usable';
import { planPgColumn, PG_MAX_COLUMNS, type PgColumnKind, type PgColumnPlan } from './columns';
import { pgIdentifier, pgIdentifiers, PgIdentifierCollision, quotePgIdent } from './identifiers';

/** The record as written (after the transform hook, without its expanded children), always. */
export const RAW_COLUMN = '_raw';
/** In a child table: the key of the parent row (as stored), indexed. */
export const PARENT_KEY_COLUMN = '_resync_parent_key';
export const REGISTRY_TABLE = '_resync_schema';
export const COLUMNS_TABLE = '_resync_columns';
export const SCHEMA_LOG_TABLE = '_resync_schema_log';

/**
 * Bytes the typed columns of a row may take in the worst case: a heap tuple holds 8,160 bytes,
 * less its 24-byte header and a null bitmap of up to 200 bytes (1,600 columns), less the
 * out-of-line pointer of `_raw`, with some slack.
 */
export const PG_ROW_BYTE_BUDGET = 7_800;
/** A varlena value longer than this is moved out of line (an 18-byte pointer); up to it, it stays. */
const VARLENA_WORST = 24 + 3; // + alignment padding of a 4-byte header

/** Worst bytes a column of this type takes inside the row, alignment padding included. */
export function worstInlineBytes(sqlType: string): number {
  const type = normaliseType(sqlType);
  if (type === 'boolean') return 1;
  if (type === 'smallint') return 3;
  if (type === 'integer' || type === 'date') return 7;
  if (type === 'bigint' || type === 'double precision' || type.startsWith('timestamp') || type.startsWith('time')) return 15;
  if (type === 'uuid') return 16;
  return VARLENA_WORST;
}

/** A plan's SQL type as `format_type()` prints it, collation left out. */
export function normaliseType(sqlType: string): string {
  const type = sqlType.replace(/\s+COLLATE\s+.*$/i, '').trim();
  let m = /^timestamptz(?:\((\d)\))?$/.exec(type);
  if (m) return m[1] === undefined ? 'timestamp with time zone' : `timestamp(${m[1]}) with time zone`;
  m = /^time(?:\((\d)\))?$/.exec(type);
  if (m) return m[1] === undefined ? 'time without time zone' : `time(${m[1]}) without time zone`;
  return type;
}

export interface Naming {
  table(source: string, resource: string): string;
  field(resource: string, field: string): string;
}

export type SpillReason = 'row budget' | 'column limit' | 'type changed';

/** What the metadata asks for, before the live table and the limits are taken into account. */
export interface DesiredTable {
  source: string;
  resource: string;
  table: string;
  /** Required columns (keys, cursor, parent key) first, then the others in the order they get a typed column. */
  columns: PgColumnPlan[];
  keyColumns: string[];
  cursorColumn: string | null;
  parentKeyColumn: string | null;
}

/** The table as written to: typed columns, and the fields kept in `_raw` only. */
export interface PgTablePlan extends DesiredTable {
  spilled: { field: string; column: string; reason: SpillReason }[];
  byField: Map<string, PgColumnPlan>;
  cursorIndex: string;
  parentIndex: string;
  /** Worst inline bytes of the typed columns as planned. */
  worstRowBytes: number;
}

export type TableSource = Pick<ResourceModel, 'source' | 'resource' | 'entity' | 'model'> & { cursorField?: string | undefined };

/**
 * The order fields get a typed column in when not all can (after keys, cursor and the fields
 * named in `preferTyped`): fixed-width scalars first (a few bytes each, and what range queries and
 * sorting need), then numerics and text, and collections last, since they are jsonb in `_raw` too.
 */
const TYPED_ORDER: PgColumnKind[] = ['bool', 'int', 'date', 'timestamptz', 'time', 'double', 'uuid', 'numeric', 'text', 'jsonb'];

/**
 * Data Dictionary fields most searches, maps and reports filter or sort on: typed first when a
 * resource's table cannot type everything and the config names no fields of its own. Names a
 * resource lacks are ignored.
 */
export const COMMON_RESO_FIELDS: readonly string[] = [
  'StandardStatus',
  'MlsStatus',
  'PropertyType',
  'PropertySubType',
  'ListPrice',
  'OriginalListPrice',
  'ClosePrice',
  'ListingId',
  'ListAgentKey',
  'ListOfficeKey',
  'BuyerAgentKey',
  'BuyerOfficeKey',
  'UnparsedAddress',
  'StreetNumber',
  'StreetName',
  'UnitNumber',
  'City',
  'StateOrProvince',
  'PostalCode',
  'CountyOrParish',
  'Latitude',
  'Longitude',
  'BedroomsTotal',
  'BathroomsTotalInteger',
  'LivingArea',
  'LotSizeAcres',
  'YearBuilt',
  'OnMarketDate',
  'CloseDate',
  'PhotosCount',
  'PublicRemarks',
];

export interface DesiredTableOptions {
  parentKey?: PgColumnPlan;
  /** Fields to give a typed column before any other (config: `preferTyped`); default COMMON_RESO_FIELDS. */
  preferTyped?: readonly string[];
}

export function desiredTable(resource: TableSource, naming: Naming, opts: DesiredTableOptions = {}): DesiredTable {
  const table = pgIdentifier(naming.table(resource.source, resource.resource), `table name for ${resource.resource}`);
  const unusable = unusableReason(resource.entity);
  if (unusable !== undefined) throw new ResourceUnusable(resource.resource, unusable);
  const reserved = [RAW_COLUMN, ...(opts.parentKey ? [PARENT_KEY_COLUMN] : [])];
  const names = resource.entity.fields.map((f) => naming.field(resource.resource, f.name));
  // Reserved names first: a field shortened onto one of them is a collision, not a silent merge.
  const ids = pgIdentifiers([...reserved, ...names], `column name of ${resource.resource}`);
  const keyFields = new Set(resource.entity.key);
  const plans = resource.entity.fields.map((f, i) =>
    planPgColumn(f, ids.get(names[i]!)!, resource.model, { isKey: keyFields.has(f.name) }),
  );
  for (const name of reserved) {
    const clash = resource.entity.fields.find((_, i) => ids.get(names[i]!) === name);
    if (clash) throw new PgIdentifierCollision(`${resource.resource}: field ${clash.name} would be stored as resync's own column ${name}`);
  }
  const keyColumns = resource.entity.key.map((k) => plans.find((p) => p.field === k)!.column);
  let cursorColumn: string | null = null;
  if (resource.cursorField !== undefined) {
    const cursor = plans.find((c) => c.field === resource.cursorField);
    if (!cursor) throw new Error(`${resource.resource}: cursor field ${resource.cursorField} is not in $metadata`);
    cursorColumn = cursor.column;
  }
  const required = new Set([...keyColumns, ...(cursorColumn ? [cursorColumn] : [])]);
  const preferred = new Map((opts.preferTyped ?? COMMON_RESO_FIELDS).map((field, i) => [field, i]));
  const rank = (p: PgColumnPlan) => preferred.get(p.field) ?? preferred.size + TYPED_ORDER.indexOf(p.kind);
  const columns = [
    ...plans.filter((p) => required.has(p.column)),
    ...(opts.parentKey ? [opts.parentKey] : []),
    // Stable sort: metadata order within each rank.
    ...plans.filter((p) => !required.has(p.column)).sort((a, b) => rank(a) - rank(b)),
  ];
  return {
    source: resource.source,
    resource: resource.resource,
    table,
    columns,
    keyColumns,
    cursorColumn,
    parentKeyColumn: opts.parentKey ? PARENT_KEY_COLUMN : null,
  };
}

/** The child table of an expanded navigation: the child's fields, PARENT_KEY_COLUMN, no cursor. */
export function desiredChildTable(
  parent: Pick<ResourceModel, 'source' | 'resource' | 'entity' | 'model' | 'keyField'>,
  child: ChildModel,
  naming: Naming,
  opts: Pick<DesiredTableOptions, 'preferTyped'> = {},
): DesiredTable {
  const keyField = parent.entity.fields.find((f) => f.name === parent.keyField);
  if (!keyField) throw new Error(`${parent.resource}: key field ${parent.keyField} is not in $metadata`);
  const parentKey = { ...planPgColumn(keyField, PARENT_KEY_COLUMN, parent.model, { isKey: true }), field: PARENT_KEY_COLUMN };
  return desiredTable({ source: parent.source, resource: child.resource, entity: child.entity, model: parent.model }, naming, {
    ...opts,
    parentKey,
  });
}

/** What reaches the DDL, so a metadata change that alters no column leaves the table up to date. */
export function planHash(desired: DesiredTable): string {
  const shape = {
    table: desired.table,
    columns: desired.columns.map((c) => [c.column, c.sqlType]),
    keyColumns: desired.keyColumns,
    cursorColumn: desired.cursorColumn,
    parentKeyColumn: desired.parentKeyColumn,
    budget: PG_ROW_BYTE_BUDGET,
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}

export interface LiveTable {
  /** Live column → format_type() of it. */
  columns: Map<string, string>;
  /** Column slots used, dropped columns included (they count against the 1,600). */
  slots: number;
  hasPrimaryKey: boolean;
  indexes: Set<string>;
}

type Db = pg.Pool | pg.PoolClient;

export async function readLiveTable(db: Db, table: string): Promise<LiveTable | undefined> {
  const oid = await db.query<{ oid: number | null }>('SELECT to_regclass($1)::oid AS oid', [quotePgIdent(table)]);
  const relation = oid.rows[0]?.oid;
  if (relation === null || relation === undefined) return undefined;
  const cols = await db.query<{ name: string; type: string; dropped: boolean }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attisdropped AS dropped
       FROM pg_attribute WHERE attrelid = $1 AND attnum > 0`,
    [relation],
  );
  const indexes = await db.query<{ name: string; primary: boolean }>(
    `SELECT c.relname AS name, i.indisprimary AS primary FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1`,
    [relation],
  );
  return {
    columns: new Map(cols.rows.filter((c) => !c.dropped).map((c) => [c.name, c.type])),
    slots: cols.rows.length,
    hasPrimaryKey: indexes.rows.some((i) => i.primary),
    indexes: new Set(indexes.rows.map((i) => i.name)),
  };
}

const INT_ORDER = ['smallint', 'integer', 'bigint'];

/** Whether a column of type `from` can become `to` without losing any value it may hold. */
export function isWidening(from: string, to: string): boolean {
  const [a, b] = [normaliseType(from), normaliseType(to)];
  if (INT_ORDER.includes(a) && INT_ORDER.includes(b)) return INT_ORDER.indexOf(b) > INT_ORDER.indexOf(a);
  const na = /^numeric\((\d+),(\d+)\)$/.exec(a);
  if (na && b === 'numeric') return true;
  const nb = /^numeric\((\d+),(\d+)\)$/.exec(b);
  if (na && nb) {
    const [pa, sa, pb, sb] = [Number(na[1]), Number(na[2]), Number(nb[1]), Number(nb[2])];
    return sb >= sa && pb - sb >= pa - sa && (pb !== pa || sb !== sa);
  }
  const ta = /^timestamp\((\d)\) with time zone$/.exec(a);
  const tb = /^timestamp(?:\((\d)\))? with time zone$/.exec(b);
  if (ta && tb) return Number(tb[1] ?? 6) > Number(ta[1]);
  return false;
}

/**
 * Which fields get a typed column: those the table already has (with a compatible type), and new
 * ones in order while the worst-case row and the 1,600 column slots allow. Required columns
 * (keys, cursor, parent key) always get one. Deterministic: the same metadata and table give the
 * same plan, and after an apply the plan of the table it made.
 */
export function fitTable(desired: DesiredTable, live: LiveTable | undefined): PgTablePlan & { widen: PgColumnPlan[] } {
  const required = new Set([...desired.keyColumns, desired.cursorColumn, desired.parentKeyColumn].filter((c) => c !== null));
  let used = worstInlineBytes('jsonb');
  let slots = live ? live.slots : 1;
  if (live) for (const [name, type] of live.columns) if (name !== RAW_COLUMN) used += worstInlineBytes(type);
  const typed: PgColumnPlan[] = [];
  const widen: PgColumnPlan[] = [];
  const spilled: PgTablePlan['spilled'] = [];
  for (const c of desired.columns) {
    const have = live?.columns.get(c.column);
    if (have !== undefined) {
      if (normaliseType(c.sqlType) === have || isWidening(c.sqlType, have)) typed.push(c);
      else if (isWidening(have, c.sqlType)) {
        typed.push(c);
        widen.push(c);
      } else if (required.has(c.column)) {
        throw new Error(`${desired.table}.${c.column} is ${have} but the metadata now asks for ${c.sqlType}: change it by hand`);
      } else spilled.push({ field: c.field, column: c.column, reason: 'type changed' });
      continue;
    }
    const bytes = worstInlineBytes(c.sqlType);
    if (!required.has(c.column)) {
      if (slots + 1 > PG_MAX_COLUMNS) {
        spilled.push({ field: c.field, column: c.column, reason: 'column limit' });
        continue;
      }
      if (used + bytes > PG_ROW_BYTE_BUDGET) {
        spilled.push({ field: c.field, column: c.column, reason: 'row budget' });
        continue;
      }
    }
    used += bytes;
    slots++;
    typed.push(c);
  }
  return {
    ...desired,
    columns: typed,
    spilled,
    widen,
    byField: new Map(typed.map((c) => [c.field, c])),
    cursorIndex: pgIdentifier(`${desired.table}_resync_cursor`),
    parentIndex: pgIdentifier(`${desired.table}_resync_parent`),
    worstRowBytes: used,
  };
}

export interface SchemaStep {
  sql: string;
  changes: SchemaChange[];
}

const list = (columns: string[]) => columns.map((c) => quotePgIdent(c)).join(', ');

function definition(plan: DesiredTable, c: PgColumnPlan): string {
  return `${quotePgIdent(c.column)} ${c.sqlType}${plan.keyColumns.includes(c.column) || c.column === plan.parentKeyColumn ? ' NOT NULL' : ''}`;
}

/** The statements that bring the table (undefined: absent) up to the plan, in order. */
export function diffTable(plan: PgTablePlan & { widen: PgColumnPlan[] }, live: LiveTable | undefined): SchemaStep[] {
  const table = plan.table;
  const t = quotePgIdent(table);
  const steps: SchemaStep[] = [];
  if (!live) {
    const lines = [...plan.columns.map((c) => definition(plan, c)), `${quotePgIdent(RAW_COLUMN)} jsonb`];
    lines.push(`PRIMARY KEY (${list(plan.keyColumns)})`);
    const detail = `${plan.columns.length} columns${plan.spilled.length ? `, ${plan.spilled.length} fields in ${RAW_COLUMN} only` : ''}`;
    steps.push({ sql: `CREATE TABLE ${t} (\n  ${lines.join(',\n  ')}\n)`, changes: [{ table, action: 'create table', detail }] });
  } else {
    const adds = plan.columns.filter((c) => !live.columns.has(c.column)).map((c) => ({ clause: `ADD COLUMN ${definition(plan, c)}`, c }));
    const raw = live.columns.has(RAW_COLUMN) ? [] : [`ADD COLUMN ${quotePgIdent(RAW_COLUMN)} jsonb`];
    if (adds.length + raw.length > 0) {
      steps.push({
        sql: `ALTER TABLE ${t} ${[...adds.map((a) => a.clause), ...raw].join(', ')}`,
        changes: [
          ...adds.map((a): SchemaChange => ({ table, action: 'add column', detail: `${a.c.column} ${a.c.sqlType}` })),
          ...(raw.length ? [{ table, action: 'add column' as const, detail: `${RAW_COLUMN} jsonb` }] : []),
        ],
      });
    }
    if (plan.widen.length > 0) {
      steps.push({
        sql: `ALTER TABLE ${t} ${plan.widen.map((c) => `ALTER COLUMN ${quotePgIdent(c.column)} TYPE ${c.sqlType}`).join(', ')}`,
        changes: plan.widen.map((c) => ({
          table,
          action: 'widen column',
          detail: `${c.column} ${live.columns.get(c.column)} → ${c.sqlType} (metadata)`,
        })),
      });
    }
    if (!live.hasPrimaryKey) {
      steps.push({
        sql: `ALTER TABLE ${t} ADD PRIMARY KEY (${list(plan.keyColumns)})`,
        changes: [{ table, action: 'add index', detail: 'PRIMARY KEY' }],
      });
    }
  }
  // The (cursor, key) index serves the high-water mark and its ties from one index range.
  if (plan.cursorColumn && !live?.indexes.has(plan.cursorIndex)) {
    steps.push({
      sql: `CREATE INDEX ${quotePgIdent(plan.cursorIndex)} ON ${t} (${list([plan.cursorColumn, ...plan.keyColumns])})`,
      changes: [{ table, action: 'add index', detail: plan.cursorIndex }],
    });
  }
  if (plan.parentKeyColumn && !live?.indexes.has(plan.parentIndex)) {
    steps.push({
      sql: `CREATE INDEX ${quotePgIdent(plan.parentIndex)} ON ${t} (${quotePgIdent(plan.parentKeyColumn)})`,
      changes: [{ table, action: 'add index', detail: plan.parentIndex }],
    });
  }
  return steps;
}

async function ensureBookkeeping(db: Db): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS ${quotePgIdent(SCHEMA_LOG_TABLE)} (
    id bigserial PRIMARY KEY, table_name text NOT NULL, action text NOT NULL, detail text NOT NULL,
    applied_at timestamptz(3) NOT NULL DEFAULT now())`);
  await db.query(`CREATE TABLE IF NOT EXISTS ${quotePgIdent(REGISTRY_TABLE)} (
    table_name text PRIMARY KEY, source text NOT NULL, resource text NOT NULL, plan_hash text NOT NULL,
    column_count integer NOT NULL, typed_columns integer NOT NULL, raw_only_fields integer NOT NULL,
    worst_row_bytes integer NOT NULL, applied_at timestamptz(3) NOT NULL)`);
  await db.query(`CREATE TABLE IF NOT EXISTS ${quotePgIdent(COLUMNS_TABLE)} (
    table_name text NOT NULL, field text NOT NULL, column_name text NOT NULL, sql_type text NOT NULL,
    stored_in text NOT NULL, reason text, PRIMARY KEY (table_name, field))`);
}

async function registered(db: Db, table: string): Promise<{ hash: string; columns: number; source: string; resource: string } | undefined> {
  const exists = await db.query<{ oid: number | null }>('SELECT to_regclass($1)::oid AS oid', [quotePgIdent(REGISTRY_TABLE)]);
  if (exists.rows[0]?.oid === null || exists.rows[0]?.oid === undefined) return undefined;
  const { rows } = await db.query<{ plan_hash: string; column_count: number; source: string; resource: string }>(
    `SELECT plan_hash, column_count, source, resource FROM ${quotePgIdent(REGISTRY_TABLE)} WHERE table_name = $1`,
    [table],
  );
  const row = rows[0];
  return row ? { hash: row.plan_hash, columns: row.column_count, source: row.source, resource: row.resource } : undefined;
}

async function register(db: Db, plan: PgTablePlan, desired: DesiredTable): Promise<void> {
  const live = await readLiveTable(db, plan.table);
  await db.query(
    `INSERT INTO ${quotePgIdent(REGISTRY_TABLE)} AS r
       (table_name, source, resource, plan_hash, column_count, typed_columns, raw_only_fields, worst_row_bytes, applied_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
     ON CONFLICT (table_name) DO UPDATE SET source = EXCLUDED.source, resource = EXCLUDED.resource, plan_hash = EXCLUDED.plan_hash,
       column_count = EXCLUDED.column_count, typed_columns = EXCLUDED.typed_columns, raw_only_fields = EXCLUDED.raw_only_fields,
       worst_row_bytes = EXCLUDED.worst_row_bytes, applied_at = EXCLUDED.applied_at`,
    [
      plan.table,
      plan.source,
      plan.resource,
      planHash(desired),
      live?.slots ?? 0,
      plan.columns.length,
      plan.spilled.length,
      plan.worstRowBytes,
    ],
  );
  await db.query(`DELETE FROM ${quotePgIdent(COLUMNS_TABLE)} WHERE table_name = $1`, [plan.table]);
  const rows = [
    ...plan.columns.map((c) => ({ field: c.field, column: c.column, type: c.sqlType, in: 'column', reason: null as string | null })),
    ...plan.spilled.map((s) => ({ field: s.field, column: s.column, type: 'jsonb', in: RAW_COLUMN, reason: s.reason as string })),
  ];
  await db.query(
    `INSERT INTO ${quotePgIdent(COLUMNS_TABLE)} (table_name, field, column_name, sql_type, stored_in, reason)
     SELECT $1, x.field, x.column_name, x.sql_type, x.stored_in, x.reason
       FROM jsonb_to_recordset($2::jsonb) AS x(field text, column_name text, sql_type text, stored_in text, reason text)`,
    [
      plan.table,
      JSON.stringify(rows.map((r) => ({ field: r.field, column_name: r.column, sql_type: r.type, stored_in: r.in, reason: r.reason }))),
    ],
  );
}

export interface PgTableCheck {
  upToDate: boolean;
  plan: PgTablePlan;
  steps: SchemaStep[];
}

/** What applying would do, without doing it; `db` null stands for a database not created yet. */
export async function checkPgTable(db: Db | null, desired: DesiredTable): Promise<PgTableCheck> {
  const live = db ? await readLiveTable(db, desired.table) : undefined;
  const plan = fitTable(desired, live);
  if (db) {
    const known = await registered(db, desired.table);
    if (known && (known.source !== desired.source || known.resource !== desired.resource)) {
      throw new PgIdentifierCollision(
        `table ${desired.table} already holds ${known.source}/${known.resource}, not ${desired.source}/${desired.resource}; map one with makeTableName`,
      );
    }
    // The slot count catches a table dropped or altered by hand since it was registered.
    if (known?.hash === planHash(desired) && live && live.slots === known.columns) return { upToDate: true, plan, steps: [] };
  }
  return { upToDate: false, plan, steps: diffTable(plan, live) };
}

/** Any number held for the schema lock: workers applying at once take turns. */
const SCHEMA_LOCK = 0x7265_7379;

export interface PgApplyResult {
  upToDate: boolean;
  changes: SchemaChange[];
  plan: PgTablePlan;
}

/** Brings a table up to its plan in one transaction (PostgreSQL DDL is transactional), logged and registered. */
export async function applyPgTable(pool: pg.Pool, desired: DesiredTable): Promise<PgApplyResult> {
  const quick = await checkPgTable(pool, desired);
  if (quick.upToDate) return { upToDate: true, changes: [], plan: quick.plan };
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await ensureBookkeeping(client);
    // Again under the lock: another worker may have applied it meanwhile.
    const check = await checkPgTable(client, desired);
    const changes: SchemaChange[] = [];
    for (const step of check.steps) {
      await client.query(step.sql);
      changes.push(...step.changes);
    }
    for (const change of changes) {
      await client.query(`INSERT INTO ${quotePgIdent(SCHEMA_LOG_TABLE)} (table_name, action, detail) VALUES ($1, $2, $3)`, [
        change.table,
        change.action,
        change.detail,
      ]);
    }
    if (!check.upToDate) await register(client, check.plan, desired);
    await client.query('COMMIT');
    return { upToDate: check.upToDate, changes, plan: check.plan };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
