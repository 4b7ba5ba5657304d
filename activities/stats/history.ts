/**
 * Reads of the run history (the writes are in store.ts): the last run of each process per
 * resource, for `resync status`, and the latest runSource runs of a process, for the failure
 * policy. Both are served by the (source, …, started_at) indexes of schema.ts.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { ProcessName } from '../../workflows/names';
import type { ResourceOutcome } from '../../workflows/types';

export interface LastRun {
  resource: string;
  process: ProcessName;
  runId: string;
  workflowId: string;
  outcome: 'running' | 'succeeded' | 'failed';
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  downloaded: number;
  upserted: number;
  deleted: number;
  rejected: number;
  /** The media files step: files stored, their bytes, failed downloads; null when the run kept no files. */
  media: RunMedia | null;
}

export interface RunMedia {
  files: number;
  bytes: number;
  failed: number;
}

/** The media columns of a run row, or null when the run had no media step. */
export function runMediaOf(row: Record<string, unknown>): RunMedia | null {
  if (row.media_files === null || row.media_files === undefined) return null;
  return { files: Number(row.media_files), bytes: Number(row.media_bytes ?? 0), failed: Number(row.media_failed ?? 0) };
}

/** The newest run of every (resource, process) of a source. */
export async function lastRunsOf(pool: Pool, source: string): Promise<LastRun[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT r.resource, r.process, r.run_id, r.workflow_id, r.outcome, r.error, r.started_at, r.finished_at,
            r.downloaded, r.upserted, r.deleted, r.rejected, r.media_files, r.media_bytes, r.media_failed
       FROM resync_runs r
       JOIN (SELECT resource, process, MAX(started_at) AS started_at FROM resync_runs WHERE source = ? GROUP BY resource, process) newest
         ON newest.resource = r.resource AND newest.process = r.process AND newest.started_at = r.started_at
      WHERE r.source = ?
      ORDER BY r.resource, r.process`,
    [source, source],
  );
  return rows.map((r) => ({
    resource: String(r.resource),
    process: r.process as ProcessName,
    runId: String(r.run_id),
    workflowId: String(r.workflow_id),
    outcome: r.outcome as LastRun['outcome'],
    error: (r.error as string | null) ?? null,
    startedAt: isoOf(r.started_at as string),
    finishedAt: r.finished_at ? isoOf(r.finished_at as string) : null,
    downloaded: Number(r.downloaded),
    upserted: Number(r.upserted),
    deleted: Number(r.deleted),
    rejected: Number(r.rejected),
    media: runMediaOf(r),
  }));
}

export interface FinishedSourceRun {
  runId: string;
  workflowId: string;
  outcome: 'succeeded' | 'failed';
  startedAt: string;
  outcomes: ResourceOutcome[];
}

/** The newest finished runSource runs of one process of a source, newest first. */
export async function recentSourceRuns(pool: Pool, source: string, process: ProcessName, limit: number): Promise<FinishedSourceRun[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT run_id, workflow_id, outcome, started_at, outcomes FROM resync_source_runs
      WHERE source = ? AND process = ? AND outcome IN ('succeeded', 'failed')
      ORDER BY started_at DESC, run_id DESC LIMIT ?`,
    [source, process, limit],
  );
  return rows.map((r) => ({
    runId: String(r.run_id),
    workflowId: String(r.workflow_id),
    outcome: r.outcome as FinishedSourceRun['outcome'],
    startedAt: isoOf(r.started_at as string),
    outcomes: (typeof r.outcomes === 'string' ? JSON.parse(r.outcomes) : r.outcomes) as ResourceOutcome[],
  }));
}

/** DATETIME text (UTC, as the pool reads it) → ISO 8601. */
function isoOf(value: string): string {
  return `${value.replace(' ', 'T')}Z`;
}
