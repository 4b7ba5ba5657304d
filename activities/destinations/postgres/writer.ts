/**
 * Upserts a page into PostgreSQL in one transaction. The page travels as ONE jsonb parameter
 * expanded by `jsonb_populate_recordset` into the table's row type: a 200 × 650 page would need
 * 130,000 parameters as multi-row VALUES, past the protocol's 65,535. `ON CONFLICT … DO UPDATE
 * … WHERE` keeps a stored row whose ModificationTimestamp is newer (a late, out-of-order page
 * must not roll a record back), and `RETURNING` says which parents were written: exactly those
 * get their expanded children replaced, in the same transaction, while the upsert holds their
 * row locks. Records with values that cannot be stored are rejects; every other record lands.
 */
import type pg from 'pg';
import type { ChildWriteResult, ConversionNotice, WriteReject } from '../destination';
import type { PgColumnPlan } from './columns';
import { quotePgIdent } from './identifiers';
import { normaliseType, RAW_COLUMN, type PgTablePlan } from './schema';
import { PgValueRejected, toPgCell, type PgCell } from './values';

type RowDoc = Record<string, PgCell>;

export interface PreparedRows {
  docs: RowDoc[];
  /** The key as the MLS knows it (rejects name it), and as stored (what RETURNING gives back). */
  keys: string[];
  storedKeys: string[];
  records: Record<string, unknown>[];
  /** Position in the input of each row, and of each reject. */
  indices: number[];
  rejects: WriteReject[];
  rejectIndices: number[];
  decisions: ConversionNotice[];
}

export interface PrepareOptions {
  mapKey?: (key: string) => string;
  /** Properties kept out of `_raw` (navigation properties and their annotations: they have tables of their own). */
  ignore?: (name: string) => boolean;
}

function keyText(col: PgColumnPlan, cell: PgCell): string {
  const text = String(cell);
  return col.kind === 'uuid' ? text.toLowerCase() : text;
}

/** Converts records to row documents; a record with any unstorable value is rejected whole. */
export function prepareRows(
  plan: PgTablePlan,
  keyField: string,
  records: Record<string, unknown>[],
  opts: PrepareOptions = {},
): PreparedRows {
  const out: PreparedRows = { docs: [], keys: [], storedKeys: [], records: [], indices: [], rejects: [], rejectIndices: [], decisions: [] };
  const decided = new Map<string, ConversionNotice>();
  const keyFields = new Set(plan.columns.filter((c) => plan.keyColumns.includes(c.column)).map((c) => c.field));
  const firstKey = plan.columns.find((c) => c.column === plan.keyColumns[0])!;
  for (const [index, record] of records.entries()) {
    const key = String(record[keyField]);
    const doc: RowDoc = {};
    const rowDecisions: string[] = [];
    let rejected: WriteReject | undefined;
    for (const col of plan.columns) {
      const raw = record[col.field];
      const value = opts.mapKey && keyFields.has(col.field) && raw !== null && raw !== undefined ? opts.mapKey(String(raw)) : raw;
      try {
        doc[col.column] = toPgCell(col, value, (decision) => rowDecisions.push(`${decision}\u0000${col.field}`));
      } catch (error) {
        if (!(error instanceof PgValueRejected)) throw error;
        rejected = { key, field: col.field, reason: error.message, record };
        break;
      }
    }
    if (!rejected) {
      const rawRecord: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(record)) {
        if (!name.startsWith('@odata.') && !opts.ignore?.(name)) rawRecord[name] = value;
      }
      if (JSON.stringify(rawRecord).includes('\\u0000')) {
        rejected = { key, field: null, reason: 'contains a NUL character, which PostgreSQL jsonb cannot hold', record };
      } else doc[RAW_COLUMN] = rawRecord;
    }
    if (rejected) {
      out.rejects.push(rejected);
      out.rejectIndices.push(index);
      continue;
    }
    for (const id of rowDecisions) {
      const seen = decided.get(id);
      if (seen) seen.records++;
      else {
        const [decision, field] = id.split('\u0000') as [string, string];
        decided.set(id, { decision, field, records: 1, example: key });
      }
    }
    out.docs.push(doc);
    out.keys.push(key);
    out.storedKeys.push(keyText(firstKey, doc[firstKey.column]!));
    out.records.push(record);
    out.indices.push(index);
  }
  out.decisions = [...decided.values()];
  return out;
}

/** `INSERT … SELECT … FROM jsonb_populate_recordset(NULL::table, $1) ON CONFLICT … RETURNING key`. */
export function upsertSql(plan: PgTablePlan): string {
  const t = quotePgIdent(plan.table);
  const cols = [...plan.columns.map((c) => c.column), RAW_COLUMN].map((c) => quotePgIdent(c));
  const key = quotePgIdent(plan.keyColumns[0]!);
  const updates = [...plan.columns.map((c) => c.column), RAW_COLUMN]
    .filter((c) => !plan.keyColumns.includes(c))
    .map((c) => `${quotePgIdent(c)} = EXCLUDED.${quotePgIdent(c)}`);
  // Never empty: `_raw` is always among the updated columns.
  const conflict = `DO UPDATE SET ${updates.join(', ')}`;
  // `>=`: a record sent again with the same timestamp still refreshes its row (idempotent retries).
  const newer = plan.cursorColumn
    ? ` WHERE stored.${quotePgIdent(plan.cursorColumn)} IS NULL OR EXCLUDED.${quotePgIdent(plan.cursorColumn)} >= stored.${quotePgIdent(plan.cursorColumn)}`
    : '';
  return (
    `INSERT INTO ${t} AS stored (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM jsonb_populate_recordset(NULL::${t}, $1::jsonb) ` +
    `ON CONFLICT (${plan.keyColumns.map((c) => quotePgIdent(c)).join(', ')}) ${conflict}${newer} RETURNING stored.${key}::text AS k`
  );
}

/**
 * SQLSTATEs that concern a row's data, to be isolated rather than fail the page: class 22 (data
 * exception), 23 (constraint), 54000 (row too big), 21000 (two rows of one statement on one key:
 * apart, the later simply wins, as it would in MySQL).
 */
function isRowDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23') || code === '54000' || code === '21000');
}

export interface TableWrite {
  plan: PgTablePlan;
  sql: string;
  prepared: PreparedRows;
}

export interface ChildWrite extends TableWrite {
  navigation: string;
  resource: string;
  /** For each child input record: its parent's position in the parents' input. */
  parentOf: number[];
  /** Parents whose children arrived; a parent without the property keeps the children it has. */
  delivered: Set<number>;
  /** Parents whose expansion the server cut short: children upserted, none deleted. */
  truncated: Set<number>;
  skipped: number;
}

export interface WrittenRows {
  upserted: number;
  rejects: WriteReject[];
  children: ChildWriteResult[];
}

/** Rows per statement: one jsonb document of a page is a few MB at most; bounded anyway. */
const ROWS_PER_STATEMENT = 1000;

/**
 * Runs the upsert on rows [start, end) in a savepoint; a row-data error splits the range until the
 * bad rows are found (rejects), since an error would otherwise abort the whole transaction.
 */
async function upsertRange(
  client: pg.PoolClient,
  table: TableWrite,
  start: number,
  end: number,
  written: Set<string>,
  rejects: WriteReject[],
): Promise<number> {
  const { prepared } = table;
  await client.query('SAVEPOINT resync_rows');
  try {
    const result = await client.query<{ k: string }>(table.sql, [JSON.stringify(prepared.docs.slice(start, end))]);
    await client.query('RELEASE SAVEPOINT resync_rows');
    for (const row of result.rows) written.add(row.k);
    return end - start;
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT resync_rows');
    await client.query('RELEASE SAVEPOINT resync_rows');
    if (!isRowDataError(error)) throw error;
    if (end - start === 1) {
      rejects.push({
        key: prepared.keys[start]!,
        field: null,
        reason: `PostgreSQL refused the row: ${(error as Error).message}`,
        record: prepared.records[start]!,
      });
      return 0;
    }
    const mid = start + Math.ceil((end - start) / 2);
    return (
      (await upsertRange(client, table, start, mid, written, rejects)) + (await upsertRange(client, table, mid, end, written, rejects))
    );
  }
}

async function upsertAll(client: pg.PoolClient, table: TableWrite, written: Set<string>, rejects: WriteReject[]): Promise<number> {
  let upserted = 0;
  for (let start = 0; start < table.prepared.docs.length; start += ROWS_PER_STATEMENT) {
    upserted += await upsertRange(client, table, start, Math.min(start + ROWS_PER_STATEMENT, table.prepared.docs.length), written, rejects);
  }
  return upserted;
}

/** The SQL array type a key column's values are passed as. */
export function arrayTypeOf(plan: PgTablePlan, column: string): string {
  return `${normaliseType(plan.columns.find((c) => c.column === column)!.sqlType)}[]`;
}

/** Writes a page (parents and the children of the parents it wrote) in one transaction. */
export async function writeRows(pool: pg.Pool, parent: TableWrite, children: ChildWrite[] = []): Promise<WrittenRows> {
  const rejects = [...parent.prepared.rejects];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const written = new Set<string>();
    const upserted = await upsertAll(client, parent, written, rejects);
    const results: ChildWriteResult[] = [];
    if (children.length > 0) {
      // Input position of each parent the upsert wrote (inserted, or updated by a timestamp not older).
      const winners = new Map<number, string>();
      parent.prepared.storedKeys.forEach((key, p) => {
        if (written.has(key)) winners.set(parent.prepared.indices[p]!, key);
      });
      for (const child of children) {
        const cleared = [...winners].filter(([at]) => child.delivered.has(at) && !child.truncated.has(at)).map(([, key]) => key);
        let deleted = 0;
        if (cleared.length > 0) {
          const result = await client.query(
            `DELETE FROM ${quotePgIdent(child.plan.table)} WHERE ${quotePgIdent(child.plan.parentKeyColumn!)} = ANY($1::${arrayTypeOf(child.plan, child.plan.parentKeyColumn!)})`,
            [cleared],
          );
          deleted = result.rowCount ?? 0;
        }
        // Children of parents not written (rejected, or older than what is stored) are left out.
        const keep = child.prepared.indices.flatMap((input, p) => (winners.has(child.parentOf[input]!) ? [p] : []));
        const childRejects = child.prepared.rejects.filter((_, j) => winners.has(child.parentOf[child.prepared.rejectIndices[j]!]!));
        const subset: PreparedRows = {
          ...child.prepared,
          docs: keep.map((p) => child.prepared.docs[p]!),
          keys: keep.map((p) => child.prepared.keys[p]!),
          storedKeys: keep.map((p) => child.prepared.storedKeys[p]!),
          records: keep.map((p) => child.prepared.records[p]!),
          indices: keep.map((p) => child.prepared.indices[p]!),
        };
        const childUpserted = await upsertAll(client, { ...child, prepared: subset }, new Set(), childRejects);
        results.push({
          navigation: child.navigation,
          resource: child.resource,
          parentsReplaced: [...winners.keys()].filter((at) => child.delivered.has(at)).length,
          upserted: childUpserted,
          deleted,
          rejects: childRejects,
          skipped: child.skipped,
        });
      }
    }
    await client.query('COMMIT');
    return { upserted, rejects, children: results };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
