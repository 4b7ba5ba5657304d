/**
 * Control database tables (drizzle). Migrations in ./migrations are generated from this file by
 * `npm run db:generate` and applied by setup and at worker start.
 */
import { bigint, datetime, index, int, json, mysqlTable, primaryKey, text, varchar } from 'drizzle-orm/mysql-core';

/** One row per run of one process on one resource (a sync chain across continue-as-new is one run). */
export const runs = mysqlTable(
  'resync_runs',
  {
    runId: varchar('run_id', { length: 64 }).primaryKey(),
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
  },
  (t) => [
    index('resync_runs_source_started').on(t.source, t.startedAt),
    index('resync_runs_resource').on(t.source, t.resource, t.process, t.startedAt),
  ],
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
