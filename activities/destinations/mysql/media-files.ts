/**
 * The MySQL files ledger (activities/destinations/media-files.ts): one row per MediaKey in
 * `<media table>_files`, beside the Media rows. What is pending (a Media row without a stored file
 * of its timestamp), what a download stored or why it failed, which files lost their Media row
 * (purged, replaced), and which stored files reconcile should check. Identifiers come from the
 * table plans and are quoted; values always go as parameters. DATETIME values are read and written
 * as text in UTC (the pool's `dateStrings`, `timezone: 'Z'`), the contract's form.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import {
  MediaUnsupported,
  type MediaFilesLedger,
  type OrphanMediaFile,
  type PendingMedia,
  type StoredFileRecord,
  type StoredMediaRow,
} from '../media-files';
import { quoteIdent } from './identifiers';
import type { TablePlan } from './schema';

/** The Media rows' table (an expanded child table, or the Media resource's own table) and its files table. */
export interface MediaTables {
  media: string;
  keyColumn: string;
  keySqlType: string;
  urlColumn: string;
  /** MediaModificationTimestamp (or ModificationTimestamp) column; null when the table has none. */
  timestampColumn: string | null;
  /** The parent's key (`_resync_parent_key` of a child table, ResourceRecordKey of the Media resource). */
  parentColumn: string | null;
  files: string;
}

/** Names the media table's columns from its plan; throws when the table has no key or URL column. */
export function mediaTables(plan: TablePlan, parentField: string | null): MediaTables {
  const col = (field: string) => plan.byField.get(field);
  const key = plan.columns.find((c) => c.column === plan.keyColumns[0]);
  const url = col('MediaURL');
  if (!key) throw new MediaUnsupported(`${plan.table}: no key column to track media files by`);
  if (!url) throw new MediaUnsupported(`${plan.table}: no MediaURL column; media files need it (keep MediaURL in select)`);
  const timestamp = col('MediaModificationTimestamp') ?? col('ModificationTimestamp');
  const parent = plan.parentKeyColumn ?? (parentField ? (col(parentField)?.column ?? null) : null);
  return {
    media: plan.table,
    keyColumn: key.column,
    keySqlType: key.sqlType,
    urlColumn: url.column,
    timestampColumn: timestamp?.column ?? null,
    parentColumn: parent,
    files: filesTableName(plan.table),
  };
}

/** `<media table>_files`, within MySQL's 64-character identifier limit. */
export function filesTableName(mediaTable: string): string {
  const suffix = '_files';
  return `${mediaTable.slice(0, 64 - suffix.length)}${suffix}`;
}

/** The ledger of one Media table, on the destination's pool. */
export class MysqlMediaFiles implements MediaFilesLedger {
  readonly table: string;

  constructor(
    private readonly pool: Pool,
    private readonly t: MediaTables,
  ) {
    this.table = t.files;
  }

  async ensure(): Promise<void> {
    const t = this.t;
    await this.pool.query(
      `CREATE TABLE IF NOT EXISTS ${quoteIdent(t.files)} (
        MediaKey ${t.keySqlType} NOT NULL,
        ParentKey VARCHAR(255) NULL,
        ObjectKey VARCHAR(1024) NULL,
        StoredUrl VARCHAR(2048) NULL,
        Size BIGINT NULL,
        ContentType VARCHAR(255) NULL,
        Sha256 CHAR(64) NULL,
        MediaTimestamp DATETIME(6) NULL,
        DownloadedAt DATETIME(6) NULL,
        LastError VARCHAR(1000) NULL,
        Attempts INT NOT NULL DEFAULT 0,
        FailedTimestamp DATETIME(6) NULL,
        PRIMARY KEY (MediaKey)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
    );
  }

  async readPending(after: string | null, limit: number, maxAttempts: number): Promise<PendingMedia[]> {
    const t = this.t;
    const k = `m.${quoteIdent(t.keyColumn)}`;
    const ts = t.timestampColumn ? `m.${quoteIdent(t.timestampColumn)}` : 'NULL';
    const parent = t.parentColumn ? `m.${quoteIdent(t.parentColumn)}` : 'NULL';
    const url = `m.${quoteIdent(t.urlColumn)}`;
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT ${k} AS mediaKey, ${url} AS url, ${ts} AS ts, ${parent} AS parentKey, f.ObjectKey AS storedKey, f.Attempts AS attempts
         FROM ${quoteIdent(t.media)} m LEFT JOIN ${quoteIdent(t.files)} f ON f.MediaKey = ${k}
        WHERE ${after === null ? '1=1' : `${k} > ?`} AND ${url} IS NOT NULL AND ${url} <> ''
          AND (f.MediaKey IS NULL OR f.Sha256 IS NULL OR NOT (f.MediaTimestamp <=> ${ts}))
          AND NOT (f.MediaKey IS NOT NULL AND f.Attempts >= ? AND f.FailedTimestamp <=> ${ts})
        ORDER BY ${k} LIMIT ?`,
      [...(after === null ? [] : [after]), maxAttempts, limit],
    );
    return rows.map((r) => ({
      mediaKey: String(r.mediaKey),
      url: String(r.url),
      timestamp: r.ts === null || r.ts === undefined ? null : String(r.ts),
      parentKey: r.parentKey === null || r.parentKey === undefined ? null : String(r.parentKey),
      storedKey: (r.storedKey as string | null) ?? null,
      attempts: Number(r.attempts ?? 0),
    }));
  }

  async recordStored(f: StoredFileRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${quoteIdent(this.t.files)}
         (MediaKey, ParentKey, ObjectKey, StoredUrl, Size, ContentType, Sha256, MediaTimestamp, DownloadedAt, LastError, Attempts, FailedTimestamp)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), NULL, 0, NULL)
       ON DUPLICATE KEY UPDATE ParentKey = VALUES(ParentKey), ObjectKey = VALUES(ObjectKey), StoredUrl = VALUES(StoredUrl),
         Size = VALUES(Size), ContentType = VALUES(ContentType), Sha256 = VALUES(Sha256), MediaTimestamp = VALUES(MediaTimestamp),
         DownloadedAt = VALUES(DownloadedAt), LastError = NULL, Attempts = 0, FailedTimestamp = NULL`,
      [
        f.mediaKey,
        f.parentKey,
        f.objectKey,
        f.location.slice(0, 2048),
        f.size,
        f.contentType?.slice(0, 255) ?? null,
        f.sha256,
        f.timestamp,
      ],
    );
  }

  async recordFailure(m: PendingMedia, error: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${quoteIdent(this.t.files)} (MediaKey, ParentKey, LastError, Attempts, FailedTimestamp)
       VALUES (?, ?, ?, 1, ?)
       ON DUPLICATE KEY UPDATE LastError = VALUES(LastError),
         Attempts = IF(FailedTimestamp <=> VALUES(FailedTimestamp), Attempts + 1, 1), FailedTimestamp = VALUES(FailedTimestamp)`,
      [m.mediaKey, m.parentKey, error.slice(0, 1000), m.timestamp],
    );
  }

  async readOrphans(after: string | null, limit: number): Promise<OrphanMediaFile[]> {
    const t = this.t;
    const k = `m.${quoteIdent(t.keyColumn)}`;
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT f.MediaKey AS mediaKey, f.ObjectKey AS objectKey
         FROM ${quoteIdent(t.files)} f LEFT JOIN ${quoteIdent(t.media)} m ON ${k} = f.MediaKey
        WHERE ${k} IS NULL ${after === null ? '' : 'AND f.MediaKey > ?'}
        ORDER BY f.MediaKey LIMIT ?`,
      [...(after === null ? [] : [after]), limit],
    );
    return rows.map((r) => ({ mediaKey: String(r.mediaKey), objectKey: (r.objectKey as string | null) ?? null }));
  }

  async deleteRows(mediaKeys: readonly string[]): Promise<void> {
    if (mediaKeys.length === 0) return;
    await this.pool.query(`DELETE FROM ${quoteIdent(this.t.files)} WHERE MediaKey IN (?)`, [mediaKeys]);
  }

  async readStored(after: string | null, limit: number): Promise<StoredMediaRow[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT MediaKey AS mediaKey, ObjectKey AS objectKey, Sha256 AS sha256, Size AS size FROM ${quoteIdent(this.t.files)}
        WHERE Sha256 IS NOT NULL AND ObjectKey IS NOT NULL ${after === null ? '' : 'AND MediaKey > ?'}
        ORDER BY MediaKey LIMIT ?`,
      [...(after === null ? [] : [after]), limit],
    );
    return rows.map((r) => ({
      mediaKey: String(r.mediaKey),
      objectKey: String(r.objectKey),
      sha256: String(r.sha256),
      size: Number(r.size),
    }));
  }

  async markMissing(mediaKeys: readonly string[], reason: string): Promise<void> {
    if (mediaKeys.length === 0) return;
    await this.pool.query(
      `UPDATE ${quoteIdent(this.t.files)} SET Sha256 = NULL, LastError = ?, Attempts = 0, FailedTimestamp = NULL WHERE MediaKey IN (?)`,
      [reason.slice(0, 1000), mediaKeys],
    );
  }

  async updateMediaUrl(mediaKey: string, url: string): Promise<void> {
    const t = this.t;
    await this.pool.query(`UPDATE ${quoteIdent(t.media)} SET ${quoteIdent(t.urlColumn)} = ? WHERE ${quoteIdent(t.keyColumn)} = ?`, [
      url,
      mediaKey,
    ]);
  }
}
