/**
 * The last `$metadata` document each source answered with, kept on disk so `resync config check`
 * can still check resources, cursor fields and filters when the MLS is down or the operator is
 * offline. Keyed by the source's service URL (a hash of it), not its name, so two configs that
 * call different MLSs by one name never read each other's copy. Writing is best effort: a cache
 * that cannot be written never fails a run.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface CachedMetadata {
  xml: string;
  /** When the copy was written, i.e. when the MLS last answered. */
  fetchedAt: Date;
}

/** `$RESYNC_METADATA_CACHE`, else `$XDG_CACHE_HOME/resync/metadata`, else `~/.cache/resync/metadata`. */
export function metadataCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.RESYNC_METADATA_CACHE?.trim();
  if (explicit) return explicit;
  const base = env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache');
  return join(base, 'resync', 'metadata');
}

function cacheFile(serviceUrl: string, env: NodeJS.ProcessEnv): string {
  const normalized = serviceUrl.trim().replace(/\/+$/, '');
  const id = createHash('sha256').update(normalized).digest('hex').slice(0, 32);
  return join(metadataCacheDir(env), `${id}.xml`);
}

/** Keeps `xml` as the source's latest copy; returns the error instead of throwing. */
export async function writeCachedMetadata(
  serviceUrl: string,
  xml: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Error | undefined> {
  const file = cacheFile(serviceUrl, env);
  try {
    await mkdir(metadataCacheDir(env), { recursive: true });
    // Written aside and renamed, so a reader never sees half a document from a concurrent writer.
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, xml, 'utf8');
    await rename(temp, file);
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

/** The source's latest copy, or undefined when there is none (or it cannot be read). */
export async function readCachedMetadata(serviceUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<CachedMetadata | undefined> {
  const file = cacheFile(serviceUrl, env);
  try {
    const [xml, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return { xml, fetchedAt: info.mtime };
  } catch {
    return undefined;
  }
}
