/**
 * The PostgreSQL files ledger (activities/destinations/media-files.ts): one row per MediaKey in
 * `<media table>_files`, beside the Media rows, with the columns and semantics of the MySQL one
 * (mysql/media-files.ts). The table's name is kept within 63 bytes as every identifier here
 * (pgIdentifier); the key column has the Media key's own type (`text COLLATE "C"`: byte order, as
 * the keys are walked). Timestamps are timestamptz, read and written as the contract's DATETIME
 * text in UTC. Identifiers are quoted; values always go as parameters.
 */
import type pg from 'pg';
import {
  MediaUnsupported,
  type MediaFilesLedger,
  type OrphanMediaFile,
  type PendingMedia,
  type StoredFileRecord,
  type StoredMediaRow,
} from '../media-files';
import { pgIdentifier, quotePgIdent } from './identifiers';
import type { PgTablePlan } from './schema';
import { arrayTypeOf } from './writer';

/** The Media rows' table and its files table, all identifiers quoted. */
export interface PgMediaTables {
  media: string;
  files: string;
  /** Unquoted, for messages and the contract's `table`. */
  filesName: string;
  key: string;
  keySqlType: string;
  /** `<key type>[]`, for `= ANY($n::…)`. */
  keyArrayType: string;
  url: string;
  /** A timestamptz column (MediaModificationTimestamp, else ModificationTimestamp); null when there is none. */
  timestamp: string | null;
  parent: string | null;
}

/** `<media table>_files`, shortened with a hash when longer than 63 bytes (as every identifier of this destination). */
export function pgFilesTableName(mediaTable: string): string {
  return pgIdentifier(`${mediaTable}_files`, `files table of ${mediaTable}`);
}

/** Names the media table's columns from its plan; refuses a table without a single key or a MediaURL column. */
export function pgMediaTables(plan: PgTablePlan, parentField: string | null): PgMediaTables {
  const key = plan.keyColumns.length === 1 ? plan.columns.find((c) => c.column === plan.keyColumns[0]) : undefined;
  const url = plan.byField.get('MediaURL');
  if (!key) throw new MediaUnsupported(`${plan.table}: media files need a single-column key, not ${plan.keyColumns.join(', ')}`);
  if (!url) throw new MediaUnsupported(`${plan.table}: no MediaURL column; media files need it (keep MediaURL in select)`);
  // A timestamp kept as anything but timestamptz (undeclared type) cannot be compared with the ledger's.
  const timestamp = [plan.byField.get('MediaModificationTimestamp'), plan.byField.get('ModificationTimestamp')].find(
    (c) => c?.kind === 'timestamptz',
  );
  const parent = plan.parentKeyColumn ?? (parentField ? (plan.byField.get(parentField)?.column ?? null) : null);
  const filesName = pgFilesTableName(plan.table);
  return {
    media: quotePgIdent(plan.table),
    files: quotePgIdent(filesName),
    filesName,
    key: quotePgIdent(key.column),
    keySqlType: key.sqlType,
    keyArrayType: arrayTypeOf(plan, key.column),
    url: quotePgIdent(url.column),
    timestamp: timestamp ? quotePgIdent(timestamp.column) : null,
    parent: parent === null ? null : quotePgIdent(parent),
  };
}

/** A timestamptz as the contract's DATETIME text in UTC (whatever the session's DateStyle). */
const datetimeOf = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;
/** The contract's DATETIME text (UTC) as a timestamptz parameter. */
const instantParam = (n: number) => `($${n}::timestamp AT TIME ZONE 'UTC')`;
/** PostgreSQL text refuses NUL; an error message may carry one from the wire. */
const storable = (text: string, max: number) => text.replace(/\0/g, '').slice(0, max);

/** The ledger of one Media table, on the destination's pool. */
export class PgMediaFiles implements MediaFilesLedger {
  readonly table: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly t: PgMediaTables,
  ) {
    this.table = t.filesName;
  }

  async ensure(): Promise<void> {
    await this.pool.query(
      `CREATE TABLE IF NOT EXISTS ${this.t.files} (
        "MediaKey" ${this.t.keySqlType} NOT NULL PRIMARY KEY,
        "ParentKey" varchar(255) NULL,
        "ObjectKey" varchar(1024) NULL,
        "StoredUrl" varchar(2048) NULL,
        "Size" bigint NULL,
        "ContentType" varchar(255) NULL,
        "Sha256" char(64) NULL,
        "MediaTimestamp" timestamptz(6) NULL,
        "DownloadedAt" timestamptz(6) NULL,
        "LastError" varchar(1000) NULL,
        "Attempts" integer NOT NULL DEFAULT 0,
        "FailedTimestamp" timestamptz(6) NULL
      )`,
    );
  }

  async readPending(after: string | null, limit: number, maxAttempts: number): Promise<PendingMedia[]> {
    const t = this.t;
    const k = `m.${t.key}`;
    const ts = t.timestamp ? `m.${t.timestamp}` : 'NULL::timestamptz';
    const url = `m.${t.url}`;
    const { rows } = await this.pool.query<{
      mediaKey: string;
      url: string;
      ts: string | null;
      parentKey: string | null;
      storedKey: string | null;
      attempts: number | null;
    }>(
      `SELECT ${k}::text AS "mediaKey", ${url} AS url, ${datetimeOf(ts)} AS ts, ${t.parent ? `m.${t.parent}::text` : 'NULL'} AS "parentKey",
              f."ObjectKey" AS "storedKey", f."Attempts" AS attempts
         FROM ${t.media} m LEFT JOIN ${t.files} f ON f."MediaKey" = ${k}
        WHERE ${after === null ? 'true' : `${k} > $3`} AND ${url} IS NOT NULL AND ${url} <> ''
          AND (f."MediaKey" IS NULL OR f."Sha256" IS NULL OR f."MediaTimestamp" IS DISTINCT FROM ${ts})
          AND NOT (f."MediaKey" IS NOT NULL AND f."Attempts" >= $1 AND f."FailedTimestamp" IS NOT DISTINCT FROM ${ts})
        ORDER BY ${k} LIMIT $2`,
      [maxAttempts, limit, ...(after === null ? [] : [after])],
    );
    return rows.map((r) => ({
      mediaKey: r.mediaKey,
      url: r.url,
      timestamp: r.ts,
      parentKey: r.parentKey,
      storedKey: r.storedKey,
      attempts: Number(r.attempts ?? 0),
    }));
  }

  async recordStored(f: StoredFileRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.t.files}
         ("MediaKey", "ParentKey", "ObjectKey", "StoredUrl", "Size", "ContentType", "Sha256", "MediaTimestamp", "DownloadedAt", "LastError", "Attempts", "FailedTimestamp")
       VALUES ($1, $2, $3, $4, $5, $6, $7, ${instantParam(8)}, clock_timestamp(), NULL, 0, NULL)
       ON CONFLICT ("MediaKey") DO UPDATE SET "ParentKey" = EXCLUDED."ParentKey", "ObjectKey" = EXCLUDED."ObjectKey",
         "StoredUrl" = EXCLUDED."StoredUrl", "Size" = EXCLUDED."Size", "ContentType" = EXCLUDED."ContentType",
         "Sha256" = EXCLUDED."Sha256", "MediaTimestamp" = EXCLUDED."MediaTimestamp", "DownloadedAt" = EXCLUDED."DownloadedAt",
         "LastError" = NULL, "Attempts" = 0, "FailedTimestamp" = NULL`,
      [
        f.mediaKey,
        f.parentKey === null ? null : storable(f.parentKey, 255),
        f.objectKey,
        storable(f.location, 2048),
        f.size,
        f.contentType === null ? null : storable(f.contentType, 255),
        f.sha256,
        f.timestamp,
      ],
    );
  }

  async recordFailure(m: PendingMedia, error: string): Promise<void> {
    // Every SET expression reads the row as it was: Attempts compares the old FailedTimestamp.
    await this.pool.query(
      `INSERT INTO ${this.t.files} AS f ("MediaKey", "ParentKey", "LastError", "Attempts", "FailedTimestamp")
       VALUES ($1, $2, $3, 1, ${instantParam(4)})
       ON CONFLICT ("MediaKey") DO UPDATE SET "LastError" = EXCLUDED."LastError",
         "Attempts" = CASE WHEN f."FailedTimestamp" IS NOT DISTINCT FROM EXCLUDED."FailedTimestamp" THEN f."Attempts" + 1 ELSE 1 END,
         "FailedTimestamp" = EXCLUDED."FailedTimestamp"`,
      [m.mediaKey, m.parentKey === null ? null : storable(m.parentKey, 255), storable(error, 1000), m.timestamp],
    );
  }

  async readOrphans(after: string | null, limit: number): Promise<OrphanMediaFile[]> {
    const t = this.t;
    const { rows } = await this.pool.query<{ mediaKey: string; objectKey: string | null }>(
      `SELECT f."MediaKey"::text AS "mediaKey", f."ObjectKey" AS "objectKey" FROM ${t.files} f
        WHERE NOT EXISTS (SELECT 1 FROM ${t.media} m WHERE m.${t.key} = f."MediaKey") ${after === null ? '' : 'AND f."MediaKey" > $2'}
        ORDER BY f."MediaKey" LIMIT $1`,
      [limit, ...(after === null ? [] : [after])],
    );
    return rows;
  }

  async deleteRows(mediaKeys: readonly string[]): Promise<void> {
    if (mediaKeys.length === 0) return;
    await this.pool.query(`DELETE FROM ${this.t.files} WHERE "MediaKey" = ANY($1::${this.t.keyArrayType})`, [mediaKeys]);
  }

  async readStored(after: string | null, limit: number): Promise<StoredMediaRow[]> {
    const { rows } = await this.pool.query<{ mediaKey: string; objectKey: string; sha256: string; size: string }>(
      `SELECT "MediaKey"::text AS "mediaKey", "ObjectKey" AS "objectKey", "Sha256" AS sha256, "Size" AS size FROM ${this.t.files}
        WHERE "Sha256" IS NOT NULL AND "ObjectKey" IS NOT NULL ${after === null ? '' : 'AND "MediaKey" > $2'}
        ORDER BY "MediaKey" LIMIT $1`,
      [limit, ...(after === null ? [] : [after])],
    );
    // bigint comes back as text (the pool keeps 64-bit integers exact); a file's size fits a number.
    return rows.map((r) => ({ ...r, size: Number(r.size) }));
  }

  async markMissing(mediaKeys: readonly string[], reason: string): Promise<void> {
    if (mediaKeys.length === 0) return;
    await this.pool.query(
      `UPDATE ${this.t.files} SET "Sha256" = NULL, "LastError" = $1, "Attempts" = 0, "FailedTimestamp" = NULL
        WHERE "MediaKey" = ANY($2::${this.t.keyArrayType})`,
      [storable(reason, 1000), mediaKeys],
    );
  }

  async updateMediaUrl(mediaKey: string, url: string): Promise<void> {
    await this.pool.query(`UPDATE ${this.t.media} SET ${this.t.url} = $1 WHERE ${this.t.key} = $2`, [url, mediaKey]);
  }
}
