/**
 * Control database tables (drizzle). Migrations in ./migrations are generated from this file by
 * `npm run db:generate` and applied by setup and at worker start.
 */
import {
  bigint,
  boolean,
  customType,
  datetime,
  index,
  int,
  json,
  mysqlTable,
  primaryKey,
  text,
  tinyint,
  varchar,
} from 'drizzle-orm/mysql-core';

/** One row per run of one process on one resource (a sync chain across continue-as-new is one run). */
export const runs = mysqlTable(
  'resync_runs',
  {
    runId: varchar('run_id', { length: 64 }).primaryKey(),
    /** The runSource run that started it; null for a manual run. */
    parentRunId: varchar('parent_run_id', { length: 64 }),
    workflowId: varchar('workflow_id', { length: 255 }).notNull(),
    source: varchar('source', { length: 64 }).notNull(),
    resource: varchar('resource', { length: 64 }).notNull(),
    process: varchar('process', { length: 16 }).notNull(),
    outcome: varchar('outcome', { length: 16 }).notNull(),
    error: text('error'),
    startedAt: datetime('started_at', { mode: 'string', fsp: 3 }).notNull(),
    finishedAt: datetime('finished_at', { mode: 'string', fsp: 3 }),
    pages: int('pages').notNull().default(0),
    downloaded: bigint('downloaded', { mode: 'number' }).notNull().default(0),
    upserted: bigint('upserted', { mode: 'number' }).notNull().default(0),
    deleted: bigint('deleted', { mode: 'number' }).notNull().default(0),
    rejected: bigint('rejected', { mode: 'number' }).notNull().default(0),
    expectedTotal: bigint('expected_total', { mode: 'number' }),
    highWaterMark: varchar('high_water_mark', { length: 40 }),
    /** Media files step (resources that keep their files; null otherwise): files stored, their bytes, failed downloads. */
    mediaFiles: bigint('media_files', { mode: 'number' }),
    mediaBytes: bigint('media_bytes', { mode: 'number' }),
    mediaFailed: bigint('media_failed', { mode: 'number' }),
  },
  (t) => [
    index('resync_runs_source_started').on(t.source, t.startedAt),
    index('resync_runs_resource').on(t.source, t.resource, t.process, t.startedAt),
    index('resync_runs_parent').on(t.parentRunId),
  ],
);

/** One row per runSource run (a scheduled or manual run of one process over a source's resources). */
export const sourceRuns = mysqlTable(
  'resync_source_runs',
  {
    runId: varchar('run_id', { length: 64 }).primaryKey(),
    workflowId: varchar('workflow_id', { length: 255 }).notNull(),
    source: varchar('source', { length: 64 }).notNull(),
    process: varchar('process', { length: 16 }).notNull(),
    outcome: varchar('outcome', { length: 16 }).notNull(),
    startedAt: datetime('started_at', { mode: 'string', fsp: 3 }).notNull(),
    finishedAt: datetime('finished_at', { mode: 'string', fsp: 3 }),
    /** Per resource: workflow ID, outcome, error. */
    outcomes: json('outcomes').notNull(),
  },
  (t) => [index('resync_source_runs_source').on(t.source, t.process, t.startedAt)],
);

/** Per resource run and destination: what that destination received. */
export const runDestinations = mysqlTable(
  'resync_run_destinations',
  {
    runId: varchar('run_id', { length: 64 }).notNull(),
    destination: varchar('destination', { length: 64 }).notNull(),
    upserted: bigint('upserted', { mode: 'number' }).notNull().default(0),
    deleted: bigint('deleted', { mode: 'number' }).notNull().default(0),
    rejected: bigint('rejected', { mode: 'number' }).notNull().default(0),
    /** Rows in the destination table when the run ended. */
    rowsAfter: bigint('rows_after', { mode: 'number' }),
    highWaterMark: varchar('high_water_mark', { length: 40 }),
  },
  (t) => [primaryKey({ columns: [t.runId, t.destination] })],
);

/** Records a destination could not store, with the field and the reason. */
export const rejects = mysqlTable(
  'resync_rejects',
  {
    runId: varchar('run_id', { length: 64 }).notNull(),
    destination: varchar('destination', { length: 64 }).notNull(),
    recordKey: varchar('record_key', { length: 255 }).notNull(),
    source: varchar('source', { length: 64 }).notNull(),
    resource: varchar('resource', { length: 64 }).notNull(),
    field: varchar('field', { length: 128 }),
    reason: text('reason').notNull(),
    record: json('record'),
    createdAt: datetime('created_at', { mode: 'string', fsp: 3 }).notNull(),
  },
  // A retried page re-reports the same rejects: the key makes that idempotent.
  (t) => [primaryKey({ columns: [t.runId, t.destination, t.recordKey] }), index('resync_rejects_source').on(t.source, t.resource)],
);

/**
 * Key text compared byte by byte, as the key columns of destination tables are (utf8mb4_bin):
 * purge and reconcile merge staged keys with a destination's keys, and both must come back from
 * their indexes in one order.
 */
const binaryKey = customType<{ data: string; notNull: true }>({
  dataType: () => 'varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
});

/**
 * Purge and reconcile runs that hold staging rows. The rows go when the run ends; a run whose
 * worker vanished for good is cleaned up by the janitor once it has not moved for a day.
 */
export const stagingRuns = mysqlTable(
  'resync_staging_runs',
  {
    runId: varchar('run_id', { length: 64 }).primaryKey(),
    workflowId: varchar('workflow_id', { length: 255 }).notNull(),
    source: varchar('source', { length: 64 }).notNull(),
    resource: varchar('resource', { length: 64 }).notNull(),
    process: varchar('process', { length: 16 }).notNull(),
    startedAt: datetime('started_at', { mode: 'string', fsp: 3 }).notNull(),
    /** Moved forward by every chunk of work, so only abandoned runs look old. */
    touchedAt: datetime('touched_at', { mode: 'string', fsp: 3 }).notNull(),
  },
  (t) => [index('resync_staging_runs_touched').on(t.touchedAt)],
);

/** Every key the MLS has (purge) or every key and timestamp (reconcile), one row per run and key. */
export const stagingKeys = mysqlTable(
  'resync_staging_keys',
  {
    runId: varchar('run_id', { length: 64 }).notNull(),
    /** '' for the MLS's keys; a destination's name for that destination's keys after its keyMapping. */
    side: varchar('side', { length: 64 }).notNull(),
    recordKey: binaryKey('record_key').notNull(),
    /** Reconcile: the cursor timestamp (canonical text from the MLS, stored text from a destination). */
    cursorTs: varchar('cursor_ts', { length: 40 }),
    /** 0: downloaded in the run's window; 1: only in the tail pass (modified after the run began). */
    pass: tinyint('pass').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.runId, t.side, t.recordKey] })],
);

/** What a comparison found: keys to delete from one destination (purge), or to fetch again (reconcile). */
export const stagingDiffs = mysqlTable(
  'resync_staging_diffs',
  {
    runId: varchar('run_id', { length: 64 }).notNull(),
    /** Purge: the destination to delete from. Reconcile: '' (one list for all destinations). */
    destination: varchar('destination', { length: 64 }).notNull(),
    recordKey: binaryKey('record_key').notNull(),
    /** `delete`, `missing` or `stale`. */
    kind: varchar('kind', { length: 8 }).notNull(),
    /** Purge: the row was still there when its batch was deleted (what makes the deleted count exact). */
    existed: boolean('existed').notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.runId, t.destination, t.recordKey] })],
);

/** Per purge/reconcile run and destination: what the comparison with the MLS found. */
export const runDifferences = mysqlTable(
  'resync_run_differences',
  {
    runId: varchar('run_id', { length: 64 }).notNull(),
    destination: varchar('destination', { length: 64 }).notNull(),
    process: varchar('process', { length: 16 }).notNull(),
    /** Rows the destination held when compared. */
    rowsCompared: bigint('rows_compared', { mode: 'number' }).notNull().default(0),
    /** Keys the destination has and the MLS does not (what purge deletes). */
    extra: bigint('extra', { mode: 'number' }).notNull().default(0),
    /** Keys the MLS has and the destination does not (reconcile). */
    missing: bigint('missing', { mode: 'number' }).notNull().default(0),
    /** Keys whose cursor timestamp differs at the destination's precision (reconcile). */
    stale: bigint('stale', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.runId, t.destination] })],
);

/**
 * Request budgets shared by every worker (activities/source/rate-budget.ts): one row per request
 * (kind 0) or per response's bytes (kind 1), measured on the database clock.
 */
export const rateEvents = mysqlTable(
  'resync_rate_events',
  {
    id: bigint('id', { mode: 'number' }).autoincrement().primaryKey(),
    source: varchar('source', { length: 64 }).notNull(),
    kind: tinyint('kind').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    at: datetime('at', { mode: 'string', fsp: 3 }).notNull(),
  },
  (t) => [index('resync_rate_events_window').on(t.source, t.kind, t.at)],
);

/** Per source: the row a budget check locks, and the cool-down after a 429. */
export const rateState = mysqlTable('resync_rate_state', {
  source: varchar('source', { length: 64 }).primaryKey(),
  coolUntil: datetime('cool_until', { mode: 'string', fsp: 3 }),
});
