/**
 * Writes run history to the control database. Every write is an upsert keyed by the run, so an
 * activity that Temporal retries never double-counts.
 */
import { sql } from 'drizzle-orm';
import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import type { Pool } from 'mysql2/promise';
import type { WriteReject } from '../destinations/destination';
import { openPool } from '../destinations/mysql/pool';
import type { FinishRunInput, SourceRunRecord } from '../../workflows/types';
import { rejects, runDestinations, runs, sourceRuns } from './schema';
import { fromRoot } from '../../scripts/lib/paths';

const MIGRATIONS = fromRoot('activities', 'stats', 'migrations');

export class StatsStore {
  private constructor(
    readonly pool: Pool,
    readonly db: MySql2Database,
  ) {}

  static async open(url: string): Promise<StatsStore> {
    const pool = await openPool(url);
    return new StatsStore(pool, drizzle(pool));
  }

  /** Applies pending drizzle-kit migrations; safe to call from several processes. */
  async migrate(): Promise<void> {
    await migrate(this.db, { migrationsFolder: MIGRATIONS });
  }

  async startRun(run: {
    runId: string;
    parentRunId?: string;
    workflowId: string;
    source: string;
    resource: string;
    process: string;
    startedAt: string;
  }): Promise<void> {
    await this.db
      .insert(runs)
      .values({ ...run, startedAt: toSql(run.startedAt), outcome: 'running' })
      .onDuplicateKeyUpdate({ set: { workflowId: run.workflowId } });
  }

  async finishRun(run: FinishRunInput, rowsAfter: Record<string, number | null> = {}): Promise<void> {
    const values = {
      runId: run.runId,
      parentRunId: run.parentRunId ?? null,
      workflowId: run.workflowId,
      source: run.source,
      resource: run.resource,
      process: run.process,
      outcome: run.outcome,
      error: run.error ?? null,
      startedAt: toSql(run.startedAt),
      finishedAt: toSql(new Date().toISOString()),
      pages: run.totals.pages,
      downloaded: run.totals.downloaded,
      upserted: run.totals.upserted,
      deleted: run.totals.deleted,
      rejected: run.totals.rejected,
      expectedTotal: run.expectedTotal,
      highWaterMark: run.highWaterMark,
      mediaFiles: run.media?.downloaded ?? null,
      mediaBytes: run.media?.bytes ?? null,
      mediaFailed: run.media?.failed ?? null,
    };
    const { runId: _runId, ...set } = values;
    const destinations = new Set([...Object.keys(run.totals.byDestination ?? {}), ...Object.keys(rowsAfter)]);
    // Independent upserts (a retry writes the same rows), so they go to the server side by side.
    await Promise.all([
      this.db.insert(runs).values(values).onDuplicateKeyUpdate({ set }),
      ...[...destinations].map((destination) => {
        const t = run.totals.byDestination?.[destination] ?? { upserted: 0, deleted: 0, rejected: 0 };
        const row = { ...t, rowsAfter: rowsAfter[destination] ?? null, highWaterMark: run.highWaterMark };
        return this.db
          .insert(runDestinations)
          .values({ runId: run.runId, destination, ...row })
          .onDuplicateKeyUpdate({ set: row });
      }),
    ]);
  }

  async recordSourceRun(run: SourceRunRecord): Promise<void> {
    const values = {
      ...run,
      startedAt: toSql(run.startedAt),
      finishedAt: run.outcome === 'running' ? null : toSql(new Date().toISOString()),
    };
    const { runId: _runId, ...set } = values;
    await this.db.insert(sourceRuns).values(values).onDuplicateKeyUpdate({ set });
  }

  async recordRejects(run: { runId: string; source: string; resource: string }, destination: string, list: WriteReject[]): Promise<void> {
    if (list.length === 0) return;
    const now = toSql(new Date().toISOString());
    await this.db
      .insert(rejects)
      .values(
        list.map((r) => ({
          runId: run.runId,
          destination,
          recordKey: r.key.slice(0, 255),
          source: run.source,
          resource: run.resource,
          field: r.field,
          reason: r.reason,
          record: r.record,
          createdAt: now,
        })),
      )
      .onDuplicateKeyUpdate({ set: { reason: sql`VALUES(reason)`, field: sql`VALUES(field)` } });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** ISO → `YYYY-MM-DD HH:MM:SS.fff` (UTC), what a DATETIME(3) column takes. */
function toSql(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '').slice(0, 23);
}
