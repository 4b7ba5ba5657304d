/**
 * The contract between media downloads and where the files end up (a local folder or an
 * S3-compatible bucket). Downloads stream into a store; purge and reconcile ask it what it holds.
 * Object keys are relative paths such as `Property/<ListingKey>/<MediaKey>.jpg`, chosen by the
 * caller; a store only checks them and never interprets them.
 */
import type { Readable } from 'node:stream';

/** What a store knows about one stored file. */
export interface StoredFile {
  /** The object key the file was stored under. */
  key: string;
  /** Where a reader finds it: an absolute file path for the local store, an s3:// or https URL for S3. */
  location: string;
  size: number;
  contentType: string | null;
  /** Lower-case hex SHA-256 of the bytes, computed while the file was written. */
  sha256: string;
}

export interface PutFileInput {
  key: string;
  body: Readable;
  contentType: string | null;
  /** Bytes the sender announced (Content-Length), when it did; a short body is an error, never a stored file. */
  expectedSize?: number | null;
}

export interface MediaStore {
  /** `local` or `s3`, for logs and stats. */
  readonly kind: string;
  /**
   * Streams `body` into the store and returns what was written. Atomic: a reader never sees a partial
   * file (temp file + rename, or a single S3 PUT/multipart completion), and a failed put leaves nothing.
   */
  put(input: PutFileInput): Promise<StoredFile>;
  /** What is stored under `key`, or null. Computes the checksum from the bytes when `verify` is true. */
  head(key: string, options?: { verify?: boolean }): Promise<StoredFile | null>;
  /** Removes the files; keys that are absent are ignored. */
  delete(keys: readonly string[]): Promise<void>;
  /** Every stored key under `prefix`, in byte order, without loading them all into memory at once. */
  list(prefix: string): AsyncIterable<string>;
  /** Releases clients and handles. */
  close(): Promise<void>;
}
