/**
 * Checks for media files fetched from the simulator's image host: the bytes each Media row should
 * have are the simulator's image for its MediaKey and timestamp, so a test compares every stored
 * file with them (not merely with the checksum recorded beside it).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { simulatedImage } from '../../simulator/media-image';
import { query } from './stack';

export interface StoredRow {
  MediaKey: string;
  MediaURL: string;
  MediaModificationTimestamp: string;
  StoredUrl: string | null;
  Sha256: string | null;
  LastError: string | null;
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Every Media row has its file: the simulator's image for its key and timestamp, byte for byte. */
export async function expectEveryFileExact(destination: string, expectedRows: number): Promise<StoredRow[]> {
  const rows = await query<StoredRow>(
    destination,
    `SELECT m.MediaKey, m.MediaURL, m.MediaModificationTimestamp, f.StoredUrl, f.Sha256, f.LastError
       FROM PropertyMedia m LEFT JOIN PropertyMedia_files f ON f.MediaKey = m.MediaKey ORDER BY m.MediaKey`,
  );
  expect(rows).toHaveLength(expectedRows);
  expectRowsExact(rows);
  return rows;
}

/**
 * Each row (a Media row joined with its files row, timestamps as `YYYY-MM-DD HH:MM:SS[.ffffff]`
 * in UTC, whichever destination it was read from) has its file, byte for byte the simulator's.
 */
export function expectRowsExact(rows: readonly StoredRow[]): void {
  for (const row of rows) {
    const expected = sha256(simulatedImage(row.MediaKey, Date.parse(`${row.MediaModificationTimestamp.slice(0, 23).replace(' ', 'T')}Z`)));
    expect(row.LastError, row.MediaKey).toBeNull();
    expect(row.Sha256, row.MediaKey).toBe(expected);
    expect(sha256(readFileSync(row.StoredUrl!)), row.MediaKey).toBe(expected);
  }
}

/** Every file under a local store's folder (relative paths), its own sidecars and temporaries included. */
export function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(root.length + 1))
    .sort();
}
