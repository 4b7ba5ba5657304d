/**
 * Reads of the run history in the control database (drizzle over activities/stats/schema.ts).
 * Every query is bounded and served by an index of that schema: pages and charts walk
 * (source, started_at); a run's destinations and rejects are read by their run_id prefix; the
 * newest run of each (source, resource, process) is a loose scan of the resource index. One
 * query per page of history, never one per row.
 */
import { and, count, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { MySql2Database } from 'drizzle-orm/mysql2';
import { rejects, runDestinations, runs } from '../../activities/stats/schema';
import type { ChartPoint, Outcome, Process, RejectRow, RunDestination, RunRow } from './api-types';
import { scrub } from './scrub';

type RunRecord = typeof runs.$inferSelect;

export interface RunFilters {
  process?: Process;
  resource?: string;
  outcome?: Outcome;
}

export interface RunsPageResult {
  total: number;
  runs: Omit<RunRow, 'temporalUrl'>[];
}

/** Runs that finished are summed into a schedule's typical duration from this far back. */
const DURATION_LOOKBACK_DAYS = 30;
const DURATION_SAMPLE = 20;

export class HistoryReader {
  constructor(private readonly db: MySql2Database) {}

  /** The newest run of every (source, resource, process), for the given sources (all when omitted). */
  async newestRuns(sources?: string[]): Promise<Omit<RunRow, 'temporalUrl' | 'destinations'>[]> {
    if (sources && sources.length === 0) return [];
    const newest = this.db
      .select({
        source: runs.source,
        resource: runs.resource,
        process: runs.process,
        startedAt: sql<string>`MAX(${runs.startedAt})`.as('newest_started'),
      })
      .from(runs)
      .where(sources ? inArray(runs.source, sources) : undefined)
      .groupBy(runs.source, runs.resource, runs.process)
      .as('newest');
    const rows = await this.db
      .select({ run: runs })
      .from(runs)
      .innerJoin(
        newest,
        and(
          eq(runs.source, newest.source),
          eq(runs.resource, newest.resource),
          eq(runs.process, newest.process),
          eq(runs.startedAt, newest.startedAt),
        ),
      )
      .orderBy(runs.source, runs.resource, runs.process);
    // Two runs may share a start time to the millisecond; keep one per key.
    const seen = new Set<string>();
    const result = [];
    for (const { run } of rows) {
      const id = `${run.source}\u0000${run.resource}\u0000${run.process}`;
      if (seen.has(id)) continue;
      seen.add(id);
      result.push(toRun(run));
    }
    return result;
  }

  /**
   * When the newest run of each resource ended, per source (source → resource → ISO time): the
   * latest end over its processes. Counts taken before it are stale.
   */
  async lastRunEnds(): Promise<Map<string, Map<string, string>>> {
    const ends = new Map<string, Map<string, string>>();
    for (const run of await this.newestRuns()) {
      if (!run.finishedAt) continue;
      const bySource = ends.get(run.source) ?? new Map<string, string>();
      const known = bySource.get(run.resource);
      if (!known || Date.parse(run.finishedAt) > Date.parse(known)) bySource.set(run.resource, run.finishedAt);
      ends.set(run.source, bySource);
    }
    return ends;
  }

  async runsPage(source: string, filters: RunFilters, page: number, pageSize: number): Promise<RunsPageResult> {
    const where = and(eq(runs.source, source), ...filterClauses(filters));
    const [rows, totals] = await Promise.all([
      this.db
        .select()
        .from(runs)
        .where(where)
        .orderBy(desc(runs.startedAt), desc(runs.runId))
        .limit(pageSize)
        .offset((page - 1) * pageSize),
      this.db.select({ n: count() }).from(runs).where(where),
    ]);
    const destinations = await this.destinationsOf(rows.map((r) => r.runId));
    return {
      total: Number(totals[0]?.n ?? 0),
      runs: rows.map((r) => ({ ...toRun(r), destinations: destinations.get(r.runId) ?? [] })),
    };
  }

  async run(
    runId: string,
    rejectsLimit: number,
  ): Promise<(Omit<RunRow, 'temporalUrl'> & { rejects: RejectRow[]; rejectsTotal: number }) | undefined> {
    const [row] = await this.db.select().from(runs).where(eq(runs.runId, runId)).limit(1);
    if (!row) return undefined;
    const [destinations, sample, total] = await Promise.all([
      this.destinationsOf([runId]),
      this.db
        .select({
          destination: rejects.destination,
          recordKey: rejects.recordKey,
          field: rejects.field,
          reason: rejects.reason,
          createdAt: rejects.createdAt,
        })
        .from(rejects)
        .where(eq(rejects.runId, runId))
        .orderBy(rejects.destination, rejects.recordKey)
        .limit(rejectsLimit),
      this.db.select({ n: count() }).from(rejects).where(eq(rejects.runId, runId)),
    ]);
    return {
      ...toRun(row),
      destinations: destinations.get(runId) ?? [],
      rejects: sample.map((r) => ({ ...r, reason: scrub(r.reason), createdAt: isoOf(r.createdAt) })),
      rejectsTotal: Number(total[0]?.n ?? 0),
    };
  }

  /** The newest `limit` runs of a source, oldest first (the order a chart draws them in). */
  async chart(source: string, filters: RunFilters, limit: number): Promise<ChartPoint[]> {
    const rows = await this.db
      .select({
        runId: runs.runId,
        resource: runs.resource,
        process: runs.process,
        outcome: runs.outcome,
        startedAt: runs.startedAt,
        finishedAt: runs.finishedAt,
        downloaded: runs.downloaded,
        upserted: runs.upserted,
      })
      .from(runs)
      .where(and(eq(runs.source, source), ...filterClauses(filters)))
      .orderBy(desc(runs.startedAt), desc(runs.runId))
      .limit(limit);
    return rows.reverse().map((r) => ({
      runId: r.runId,
      resource: r.resource,
      process: r.process as Process,
      outcome: r.outcome as Outcome,
      startedAt: isoOf(r.startedAt),
      durationMs: durationOf(r.startedAt, r.finishedAt),
      downloaded: r.downloaded,
      upserted: r.upserted,
    }));
  }

  /**
   * How long a run of each (source, process) usually takes: the median of its recent finished
   * scheduled runs, or, for a source that only ever ran by hand, the sum over its resources of
   * their medians. Keys are `source/process`.
   */
  async typicalDurations(): Promise<Map<string, number>> {
    const since = sql`UTC_TIMESTAMP(3) - INTERVAL ${DURATION_LOOKBACK_DAYS} DAY`;
    const [sourceRows, resourceRows] = await Promise.all([
      this.rows(sql`
        SELECT source, process, started_at, finished_at FROM (
          SELECT source, process, started_at, finished_at,
                 ROW_NUMBER() OVER (PARTITION BY source, process ORDER BY started_at DESC) AS n
            FROM resync_source_runs WHERE finished_at IS NOT NULL AND started_at > ${since}) recent
         WHERE n <= ${DURATION_SAMPLE}`),
      this.rows(sql`
        SELECT source, process, resource, started_at, finished_at FROM (
          SELECT source, process, resource, started_at, finished_at,
                 ROW_NUMBER() OVER (PARTITION BY source, resource, process ORDER BY started_at DESC) AS n
            FROM resync_runs WHERE finished_at IS NOT NULL AND started_at > ${since}) recent
         WHERE n <= ${DURATION_SAMPLE}`),
    ]);
    const result = new Map<string, number>();
    for (const [key, values] of groupDurations(sourceRows, (r) => `${r.source}/${r.process}`)) result.set(key, Math.round(median(values)));
    const perResource = new Map<string, number>();
    for (const [key, values] of groupDurations(resourceRows, (r) => `${r.source}/${r.process}\u0000${r.resource}`)) {
      const whole = key.split('\u0000')[0]!;
      perResource.set(whole, (perResource.get(whole) ?? 0) + Math.round(median(values)));
    }
    for (const [key, value] of perResource) if (!result.has(key)) result.set(key, value);
    return result;
  }

  private async destinationsOf(runIds: string[]): Promise<Map<string, RunDestination[]>> {
    const byRun = new Map<string, RunDestination[]>();
    if (runIds.length === 0) return byRun;
    const rows = await this.db
      .select()
      .from(runDestinations)
      .where(inArray(runDestinations.runId, runIds))
      .orderBy(runDestinations.destination);
    for (const r of rows) {
      const list = byRun.get(r.runId) ?? [];
      list.push({
        destination: r.destination,
        upserted: r.upserted,
        deleted: r.deleted,
        rejected: r.rejected,
        rowsAfter: r.rowsAfter,
        highWaterMark: r.highWaterMark,
      });
      byRun.set(r.runId, list);
    }
    return byRun;
  }

  private async rows(query: SQL): Promise<Record<string, unknown>[]> {
    const [rows] = (await this.db.execute(query)) as unknown as [Record<string, unknown>[]];
    return rows;
  }
}

function filterClauses(f: RunFilters): SQL[] {
  const clauses: SQL[] = [];
  if (f.process) clauses.push(eq(runs.process, f.process));
  if (f.resource) clauses.push(eq(runs.resource, f.resource));
  if (f.outcome) clauses.push(eq(runs.outcome, f.outcome));
  return clauses;
}

function toRun(r: RunRecord): Omit<RunRow, 'temporalUrl' | 'destinations'> & { destinations: RunDestination[] } {
  return {
    runId: r.runId,
    parentRunId: r.parentRunId,
    workflowId: r.workflowId,
    source: r.source,
    resource: r.resource,
    process: r.process as Process,
    outcome: r.outcome as Outcome,
    error: scrub(r.error),
    startedAt: isoOf(r.startedAt),
    finishedAt: r.finishedAt ? isoOf(r.finishedAt) : null,
    durationMs: durationOf(r.startedAt, r.finishedAt),
    pages: r.pages,
    downloaded: r.downloaded,
    upserted: r.upserted,
    deleted: r.deleted,
    rejected: r.rejected,
    expectedTotal: r.expectedTotal,
    highWaterMark: r.highWaterMark,
    media: r.mediaFiles === null ? null : { files: r.mediaFiles, bytes: r.mediaBytes ?? 0, failed: r.mediaFailed ?? 0 },
    destinations: [],
  };
}

function groupDurations(rows: Record<string, unknown>[], key: (r: Record<string, unknown>) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    const d = durationOf(String(r.started_at), String(r.finished_at));
    if (d === null) continue;
    const k = key(r);
    const list = groups.get(k) ?? [];
    list.push(d);
    groups.set(k, list);
  }
  return groups;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** DATETIME text (UTC, as the control DB stores it) → ISO 8601. */
export function isoOf(value: string): string {
  return value.includes('T') ? value : `${value.replace(' ', 'T')}Z`;
}

function durationOf(startedAt: string, finishedAt: string | null): number | null {
  if (!finishedAt) return null;
  const ms = Date.parse(isoOf(finishedAt)) - Date.parse(isoOf(startedAt));
  return Number.isFinite(ms) ? Math.max(0, ms) : null;
}
