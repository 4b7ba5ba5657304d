/**
 * The staging tables in the control database (schema in ../stats/schema.ts): the keys a purge or
 * reconcile run downloaded, what its comparisons found, and the run's registration. Bulk writes
 * go as multi-row statements; reads are keyset pages on the primary key, so nothing here holds
 * more than a page in memory. Every write is idempotent: a retried activity writes the same rows.
 */
import { getTableName } from 'drizzle-orm';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { runDifferences, stagingDiffs, stagingKeys, stagingRuns } from '../stats/schema';
import type { KeyRow } from './merge';

const RUNS = `\`${getTableName(stagingRuns)}\``;
const KEYS = `\`${getTableName(stagingKeys)}\``;
const DIFFS = `\`${getTableName(stagingDiffs)}\``;
const DIFFERENCES = `\`${getTableName(runDifferences)}\``;

/** Side of the staged keys that holds the MLS's keys (other sides are destinations' mapped keys). */
export const MLS_SIDE = '';
/**
 * Side of the keys the platform announced as deleted (MLS Grid `MlgCanView=false`): not part of the
 * MLS's key set, but counted by `@odata.count`, so verification adds them. No destination name can
 * start with `~`.
 */
export const DELETED_SIDE = '~deleted';
/** Rows per multi-row INSERT: well inside max_allowed_packet with 255-character keys. */
const INSERT_ROWS = 5000;
/** Rows per DELETE when staging is dropped: small transactions, no long lock on the table. */
const DROP_ROWS = 20_000;

/** Thrown when a run's staging is gone (the janitor took it): acting on it would act on nothing. */
export class StagingMissing extends Error {
  override readonly name = 'StagingMissing';
}

export type DiffKind = 'delete' | 'missing' | 'stale';

export interface StagingRun {
  runId: string;
  workflowId: string;
  source: string;
  resource: string;
  process: string;
}

function now(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '');
}

export async function registerRun(pool: Pool, run: StagingRun): Promise<void> {
  await pool.query(
    `INSERT INTO ${RUNS} (run_id, workflow_id, source, resource, process, started_at, touched_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE touched_at = VALUES(touched_at)`,
    [run.runId, run.workflowId, run.source, run.resource, run.process, now(), now()],
  );
}

/** Marks the run as alive; fails when its staging has been removed meanwhile. */
export async function touchRun(pool: Pool, runId: string): Promise<void> {
  const [result] = await pool.query<ResultSetHeader>(`UPDATE ${RUNS} SET touched_at = ? WHERE run_id = ?`, [now(), runId]);
  if (result.affectedRows === 0) {
    throw new StagingMissing(`the staging of run ${runId} is gone (removed by the janitor after a day without progress); start a new run`);
  }
}

/** Keys with their timestamps; a key seen twice keeps the newer timestamp and the earlier pass. */
export async function stageKeys(pool: Pool, runId: string, side: string, rows: KeyRow[], pass: 0 | 1): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_ROWS) {
    const values = rows.slice(i, i + INSERT_ROWS).map((r) => [runId, side, r.key, r.ts, pass]);
    await pool.query(
      `INSERT INTO ${KEYS} (run_id, side, record_key, cursor_ts, pass) VALUES ?
       ON DUPLICATE KEY UPDATE
         cursor_ts = IF(cursor_ts IS NULL OR VALUES(cursor_ts) > cursor_ts, VALUES(cursor_ts), cursor_ts),
         pass = LEAST(pass, VALUES(pass))`,
      [values],
    );
  }
}

/** One page of staged keys after `after`, in byte order. */
export async function readStagedKeys(pool: Pool, runId: string, side: string, after: string | null, limit: number): Promise<KeyRow[]> {
  const [rows] = await pool.query<RowDataPacket[]>({
    sql: `SELECT record_key, cursor_ts FROM ${KEYS} WHERE run_id = ? AND side = ?${after === null ? '' : ' AND record_key > ?'}
     ORDER BY record_key LIMIT ?`,
    values: after === null ? [runId, side, limit] : [runId, side, after, limit],
    // Positional rows: half the objects of keyed rows, on pages of thousands.
    rowsAsArray: true,
  });
  return (rows as unknown as [string, string | null][]).map(([key, ts]) => ({ key, ts }));
}

export async function countStaged(pool: Pool, runId: string, side: string): Promise<{ all: number; window: number }> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n, COALESCE(SUM(pass = 0), 0) AS w FROM ${KEYS} WHERE run_id = ? AND side = ?`,
    [runId, side],
  );
  return { all: Number(rows[0]?.n ?? 0), window: Number(rows[0]?.w ?? 0) };
}

/** Removes one side's staged keys (a destination's copy that is being made again). */
export async function clearSide(pool: Pool, runId: string, side: string): Promise<void> {
  await deleteInChunks(pool, `DELETE FROM ${KEYS} WHERE run_id = ? AND side = ? LIMIT ${DROP_ROWS}`, [runId, side]);
}

export async function recordDiffs(pool: Pool, runId: string, destination: string, diffs: { key: string; kind: DiffKind }[]): Promise<void> {
  for (let i = 0; i < diffs.length; i += INSERT_ROWS) {
    const values = diffs.slice(i, i + INSERT_ROWS).map((d) => [runId, destination, d.key, d.kind]);
    await pool.query(`INSERT IGNORE INTO ${DIFFS} (run_id, destination, record_key, kind) VALUES ?`, [values]);
  }
}

export async function readDiffs(pool: Pool, runId: string, destination: string, after: string | null, limit: number): Promise<string[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT record_key FROM ${DIFFS} WHERE run_id = ? AND destination = ?${after === null ? '' : ' AND record_key > ?'}
     ORDER BY record_key LIMIT ?`,
    after === null ? [runId, destination, limit] : [runId, destination, after, limit],
  );
  return rows.map((r) => r.record_key as string);
}

/** Purge: these keys were present when their batch was deleted. Never unset, so a redo cannot lose them. */
export async function markExisted(pool: Pool, runId: string, destination: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await pool.query(`UPDATE ${DIFFS} SET existed = TRUE WHERE run_id = ? AND destination = ? AND record_key IN (?)`, [
    runId,
    destination,
    keys,
  ]);
}

/**
 * Keys marked as existing before their delete. `through` limits the count to the batches whose delete
 * committed (keys up to the last one heartbeated; the column's binary collation is key order): a batch
 * is marked before its delete, so a delete that failed must not count.
 */
export async function countExisted(pool: Pool, runId: string, destination: string, through?: string | null): Promise<number> {
  if (through === null) return 0;
  const upTo = through === undefined ? '' : ' AND record_key <= ?';
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM ${DIFFS} WHERE run_id = ? AND destination = ? AND existed${upTo}`,
    [runId, destination, ...(through === undefined ? [] : [through])],
  );
  return Number(rows[0]?.n ?? 0);
}

export interface DifferenceCounts {
  rowsCompared: number;
  extra: number;
  missing: number;
  stale: number;
}

export async function recordDifferences(
  pool: Pool,
  runId: string,
  destination: string,
  process: string,
  counts: DifferenceCounts,
): Promise<void> {
  const values = [runId, destination, process, counts.rowsCompared, counts.extra, counts.missing, counts.stale];
  await pool.query(
    `INSERT INTO ${DIFFERENCES} (run_id, destination, process, rows_compared, extra, missing, stale) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE rows_compared = VALUES(rows_compared), extra = VALUES(extra), missing = VALUES(missing), stale = VALUES(stale)`,
    values,
  );
}

/** Removes everything a run staged. Safe to repeat; calls `progress` between chunks (heartbeats). */
export async function dropRun(pool: Pool, runId: string, progress: () => void = () => undefined): Promise<number> {
  let removed = await deleteInChunks(pool, `DELETE FROM ${KEYS} WHERE run_id = ? LIMIT ${DROP_ROWS}`, [runId], progress);
  removed += await deleteInChunks(pool, `DELETE FROM ${DIFFS} WHERE run_id = ? LIMIT ${DROP_ROWS}`, [runId], progress);
  await pool.query(`DELETE FROM ${RUNS} WHERE run_id = ?`, [runId]);
  return removed;
}

/** Runs whose staging has not moved for `idleMs`: their workers are gone (the janitor's list). */
export async function abandonedRuns(pool: Pool, idleMs: number): Promise<string[]> {
  const cutoff = new Date(Date.now() - idleMs).toISOString().replace('T', ' ').replace('Z', '');
  const [rows] = await pool.query<RowDataPacket[]>(`SELECT run_id FROM ${RUNS} WHERE touched_at < ?`, [cutoff]);
  return rows.map((r) => r.run_id as string);
}

async function deleteInChunks(pool: Pool, sql: string, params: unknown[], progress: () => void = () => undefined): Promise<number> {
  let total = 0;
  for (;;) {
    const [result] = await pool.query<ResultSetHeader>(sql, params);
    total += result.affectedRows;
    progress();
    if (result.affectedRows < DROP_ROWS) return total;
  }
}
