/**
 * Raised only when a `$metadata` document cannot be used at all (not XML, not EDMX, no schema,
 * file missing). Anything less severe is recorded in `EdmModel.problems` instead, because a
 * replicator is better off syncing the 649 fields it understands than refusing the whole feed
 * over one odd declaration.
 */
export class MetadataError extends Error {
  override readonly name = 'MetadataError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
