/**
 * Which destinations record a resource's media files, and the one view of them the media
 * activities use. Every destination with the files-ledger capability (`Destination.mediaFiles`:
 * MySQL, PostgreSQL) keeps a `<media table>_files` table; the first of them, in the source's
 * `destinations` order, says what is pending, orphaned or stored, and every one of them records
 * what happened. A destination without it (Solr) keeps the Media rows only.
 */
import type { Destination, ResourceModel } from '../destinations';
import type { MediaFilesLedger, OrphanMediaFile, PendingMedia, StoredFileRecord, StoredMediaRow } from '../destinations/media-files';
import { MediaUnsupported } from './errors';

/** The destinations that keep a files ledger, in config order. */
export function ledgerDestinations(destinations: readonly Destination[]): Destination[] {
  return destinations.filter((d) => typeof d.mediaFiles === 'function');
}

/** Why a resource's media files cannot be recorded in these destinations; null when one of them can. */
export function noLedgerProblem(source: string, resource: string, destinations: readonly Destination[]): string | null {
  if (ledgerDestinations(destinations).length > 0) return null;
  const names = destinations.map((d) => d.name).join(', ') || 'none';
  return (
    `${source}/${resource} downloads media files, but none of its destinations (${names}) can record them: ` +
    'the files table is kept in a MySQL/MariaDB or PostgreSQL destination; add one to the source’s destinations or remove media'
  );
}

/**
 * The files ledgers of a resource in its source's destinations (the first capable one drives);
 * each table is made when missing. Throws MediaUnsupported when no destination can keep one.
 */
export async function openMediaLedgers(
  source: string,
  resource: ResourceModel,
  navigation: string | null,
  destinations: readonly Destination[],
  ensure: (destination: Destination, ledger: MediaFilesLedger) => Promise<void>,
): Promise<MediaLedgers> {
  const problem = noLedgerProblem(source, resource.resource, destinations);
  if (problem) throw new MediaUnsupported(problem);
  const ledgers: MediaFilesLedger[] = [];
  for (const dest of ledgerDestinations(destinations)) {
    const ledger = await dest.mediaFiles!(resource, navigation);
    await ensure(dest, ledger);
    ledgers.push(ledger);
  }
  return new MediaLedgers(ledgers[0]!, ledgers.slice(1));
}

/**
 * Reads from the driving ledger, writes to all of them: the followers first, the driver last. The
 * driver's row is what makes a file no longer pending (or a missing one pending again), so a
 * failure part-way leaves the work to be done again, and every ledger ends with the same rows.
 */
export class MediaLedgers implements MediaFilesLedger {
  readonly table: string;

  constructor(
    readonly driver: MediaFilesLedger,
    readonly followers: readonly MediaFilesLedger[],
  ) {
    this.table = driver.table;
  }

  private async everywhere(write: (ledger: MediaFilesLedger) => Promise<void>): Promise<void> {
    await Promise.all(this.followers.map(write));
    await write(this.driver);
  }

  async ensure(): Promise<void> {
    await this.everywhere((l) => l.ensure());
  }

  readPending(after: string | null, limit: number, maxAttempts: number): Promise<PendingMedia[]> {
    return this.driver.readPending(after, limit, maxAttempts);
  }

  readOrphans(after: string | null, limit: number): Promise<OrphanMediaFile[]> {
    return this.driver.readOrphans(after, limit);
  }

  readStored(after: string | null, limit: number): Promise<StoredMediaRow[]> {
    return this.driver.readStored(after, limit);
  }

  async recordStored(file: StoredFileRecord): Promise<void> {
    await this.everywhere((l) => l.recordStored(file));
  }

  async recordFailure(media: PendingMedia, error: string): Promise<void> {
    await this.everywhere((l) => l.recordFailure(media, error));
  }

  async deleteRows(mediaKeys: readonly string[]): Promise<void> {
    await this.everywhere((l) => l.deleteRows(mediaKeys));
  }

  async markMissing(mediaKeys: readonly string[], reason: string): Promise<void> {
    await this.everywhere((l) => l.markMissing(mediaKeys, reason));
  }

  async updateMediaUrl(mediaKey: string, url: string): Promise<void> {
    await this.everywhere((l) => l.updateMediaUrl(mediaKey, url));
  }
}
