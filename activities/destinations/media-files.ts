/**
 * The files ledger, an optional capability of a destination (`Destination.mediaFiles`): where each
 * downloaded media file is, kept beside the Media rows as `<media table>_files`, one row per
 * MediaKey (docs/media.md). MySQL and PostgreSQL keep one; Solr does not. The media activities
 * know only this contract: the first destination with a ledger says what is pending, every ledger
 * records what was stored.
 *
 * Keys are the Media rows' keys as stored. Timestamps cross between destinations as DATETIME text
 * in UTC (`YYYY-MM-DD HH:MM:SS[.ffffff]`, the form StoredKey cursors take), so one destination's
 * pending row can be recorded in another's ledger.
 */

/** One Media row whose file is to be downloaded. */
export interface PendingMedia {
  mediaKey: string;
  url: string;
  /** The row's MediaModificationTimestamp (or ModificationTimestamp), DATETIME text in UTC; recorded with the file. */
  timestamp: string | null;
  parentKey: string | null;
  /** The object a previous download stored, when there is one (removed if the new one lands elsewhere). */
  storedKey: string | null;
  /** Runs in a row that failed at this timestamp. */
  attempts: number;
}

/** A file as a download stored it. */
export interface StoredFileRecord {
  mediaKey: string;
  parentKey: string | null;
  objectKey: string;
  /** StoredUrl: the absolute path (local store) or the store's URL (S3). */
  location: string;
  size: number;
  contentType: string | null;
  sha256: string;
  /** The Media row's timestamp the file belongs to (DATETIME text in UTC). */
  timestamp: string | null;
}

/** A stored file, for reconcile to check against the store. */
export interface StoredMediaRow {
  mediaKey: string;
  objectKey: string;
  sha256: string;
  size: number;
}

/** A files row whose Media row is gone; `objectKey` null when no file was ever stored. */
export interface OrphanMediaFile {
  mediaKey: string;
  objectKey: string | null;
}

export interface MediaFilesLedger {
  /** The files table, e.g. `PropertyMedia_files`. */
  readonly table: string;
  /** Creates the files table when missing. Idempotent. */
  ensure(): Promise<void>;
  /**
   * Media rows after `after` (key order) whose file is missing, recorded for another timestamp, or
   * not stored (no checksum). A file that failed `maxAttempts` runs at the row's current timestamp
   * is left alone until the row changes.
   */
  readPending(after: string | null, limit: number, maxAttempts: number): Promise<PendingMedia[]>;
  /** Records a stored file (an upsert by MediaKey; clears the last error). */
  recordStored(file: StoredFileRecord): Promise<void>;
  /** Records a failed download; a file stored earlier stays recorded (it is still there). */
  recordFailure(media: PendingMedia, error: string): Promise<void>;
  /** Files rows after `after` (key order) whose Media row is gone. */
  readOrphans(after: string | null, limit: number): Promise<OrphanMediaFile[]>;
  /** Removes files rows (after their objects were deleted); absent keys are ignored. */
  deleteRows(mediaKeys: readonly string[]): Promise<void>;
  /** Stored files after `after`, in key order. */
  readStored(after: string | null, limit: number): Promise<StoredMediaRow[]>;
  /** Forgets that these files are stored (reason kept as the last error), so the next download fetches them. */
  markMissing(mediaKeys: readonly string[], reason: string): Promise<void>;
  /** Keeps a fresh URL (after an expired one) in the Media row. */
  updateMediaUrl(mediaKey: string, url: string): Promise<void>;
}

/** The config or the destination cannot hold media files (no destination with a ledger, no MediaURL column). */
export class MediaUnsupported extends Error {
  override readonly name = 'MediaUnsupported';
}
