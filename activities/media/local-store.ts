/**
 * MediaStore on a local folder: `<root>/<key>` is the file. Writes go to a temp file in the
 * destination folder (same file system, so rename is atomic), are fsynced and renamed into place;
 * a reader sees the old file or the new one, never part of one. Size, content type and SHA-256 go
 * in a sidecar (`.resync-meta.<name>.json`) beside the file, so head() answers without reading the
 * bytes; the sidecar notes the file's size and mtime, and a file that no longer matches them
 * (a crash between the two renames, a hand edit) is hashed again instead of trusted. Temporaries
 * of a writer that died are removed by the next write into their folder (stale-temps.ts).
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { assertValidKey, assertValidPrefix, compareKeys, MediaSizeMismatchError, RESERVED_NAME_PREFIX } from './keys';
import { removeStaleTemps, tempName } from './stale-temps';
import type { MediaStore, PutFileInput, StoredFile } from './store';

const TEMP_PREFIX = `${RESERVED_NAME_PREFIX}tmp-`;
const META_PREFIX = `${RESERVED_NAME_PREFIX}meta.`;

interface Sidecar {
  sha256: string;
  size: number;
  contentType: string | null;
  mtimeMs: number;
}

export interface LocalMediaStoreOptions {
  /** The folder holding every file; created on first write. */
  root: string;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

export class LocalMediaStore implements MediaStore {
  readonly kind = 'local';
  readonly root: string;

  constructor(options: LocalMediaStoreOptions) {
    if (!options.root) throw new Error('LocalMediaStore needs a root folder');
    this.root = resolve(options.root);
  }

  /** The absolute path of a key's file (the key is validated first, so it stays under root). */
  pathOf(key: string): string {
    assertValidKey(key);
    return join(this.root, ...key.split('/'));
  }

  private sidecarOf(path: string): string {
    return join(dirname(path), `${META_PREFIX}${path.slice(dirname(path).length + 1)}.json`);
  }

  async put(input: PutFileInput): Promise<StoredFile> {
    const path = this.pathOf(input.key);
    const folder = dirname(path);
    await mkdir(folder, { recursive: true });
    // A retry after a crash writes into the folder the dead writer left its temporaries in.
    await removeStaleTemps(folder, TEMP_PREFIX);
    const nonce = tempName(TEMP_PREFIX, randomBytes(6).toString('hex'));
    const tempData = join(folder, nonce);
    const tempMeta = join(folder, `${nonce}.meta`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      const handle = await open(tempData, 'wx');
      try {
        // Hashed and counted as it is written: the checksum is known when the last byte lands.
        for await (const chunk of input.body) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
          hash.update(bytes);
          size += bytes.length;
          await handle.write(bytes);
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      const expected = input.expectedSize;
      if (expected !== undefined && expected !== null && size !== expected) {
        throw new MediaSizeMismatchError(input.key, expected, size);
      }
      const written = await stat(tempData);
      const sidecar: Sidecar = { sha256: hash.digest('hex'), size, contentType: input.contentType, mtimeMs: written.mtimeMs };
      const metaHandle = await open(tempMeta, 'wx');
      try {
        await metaHandle.writeFile(JSON.stringify(sidecar));
        await metaHandle.sync();
      } finally {
        await metaHandle.close();
      }
      // Sidecar first: a crash between the renames leaves a sidecar that does not match the old
      // file's mtime, which head() notices.
      await rename(tempMeta, this.sidecarOf(path));
      await rename(tempData, path);
      await syncFolder(folder);
      return { key: input.key, location: path, size: sidecar.size, contentType: sidecar.contentType, sha256: sidecar.sha256 };
    } catch (error) {
      await unlink(tempData).catch(() => undefined);
      await unlink(tempMeta).catch(() => undefined);
      await this.pruneEmptyFolders(folder);
      throw error;
    }
  }

  async head(key: string, options: { verify?: boolean } = {}): Promise<StoredFile | null> {
    const path = this.pathOf(key);
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    if (!info.isFile()) return null;
    const sidecar = await readSidecar(this.sidecarOf(path));
    const trusted = sidecar !== undefined && sidecar.size === info.size && sidecar.mtimeMs === info.mtimeMs;
    const sha256 = options.verify || !trusted ? await hashFile(path) : sidecar.sha256;
    return { key, location: path, size: info.size, contentType: sidecar?.contentType ?? null, sha256 };
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) assertValidKey(key);
    const folders = new Set<string>();
    for (const key of keys) {
      const path = this.pathOf(key);
      for (const file of [path, this.sidecarOf(path)]) {
        await unlink(file).catch((error: unknown) => {
          if (!isMissing(error)) throw error;
        });
      }
      folders.add(dirname(path));
    }
    for (const folder of folders) await this.pruneEmptyFolders(folder);
  }

  async *list(prefix: string): AsyncIterable<string> {
    assertValidPrefix(prefix);
    // Start the walk at the deepest folder every matching key lies under.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash + 1);
    yield* this.walk(base, prefix);
  }

  /** Keys under the folder `base` (a key prefix ending in '/', or ''), that start with `prefix`, in byte order. */
  private async *walk(base: string, prefix: string): AsyncGenerator<string> {
    let entries;
    try {
      entries = await readdir(base === '' ? this.root : join(this.root, ...base.slice(0, -1).split('/')), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw error;
    }
    // A folder sorts as `name/`: its keys all start with that, and that is how S3 orders them.
    const named = entries
      .filter((e) => !e.name.startsWith(RESERVED_NAME_PREFIX) && (e.isDirectory() || e.isFile()))
      .map((e) => ({ key: `${base}${e.name}${e.isDirectory() ? '/' : ''}`, folder: e.isDirectory() }))
      .sort((a, b) => compareKeys(a.key, b.key));
    for (const entry of named) {
      if (entry.folder) {
        if (entry.key.startsWith(prefix) || prefix.startsWith(entry.key)) yield* this.walk(entry.key, prefix);
      } else if (entry.key.startsWith(prefix)) {
        yield entry.key;
      }
    }
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }

  /** Removes `folder` and its parents while they are empty, stopping at the root. */
  private async pruneEmptyFolders(folder: string): Promise<void> {
    for (let current = folder; current.startsWith(this.root + sep); current = dirname(current)) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty (ENOTEMPTY), already gone, or not ours to remove
      }
    }
  }
}

async function readSidecar(path: string): Promise<Sidecar | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<Sidecar>;
    if (typeof parsed.sha256 !== 'string' || typeof parsed.size !== 'number' || typeof parsed.mtimeMs !== 'number') return undefined;
    return { sha256: parsed.sha256, size: parsed.size, mtimeMs: parsed.mtimeMs, contentType: parsed.contentType ?? null };
  } catch {
    return undefined; // absent or unreadable: the bytes are hashed instead
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** fsync on the folder makes the rename itself durable (ext4/xfs); ignored where unsupported. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await handle.close();
  }
}
