import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metadataCacheDir, readCachedMetadata, writeCachedMetadata } from '../../activities/source/metadata/cache';

describe('the $metadata copy config check falls back on', () => {
  const env = (dir: string): NodeJS.ProcessEnv => ({ RESYNC_METADATA_CACHE: dir });

  it('keeps the latest copy per service URL, whatever its trailing slash', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'resync-mdcache-')), 'nested');
    expect(await writeCachedMetadata('https://mls.example/odata', '<a/>', env(dir))).toBeUndefined();
    expect(await writeCachedMetadata('https://mls.example/odata/', '<b/>', env(dir))).toBeUndefined();
    const copy = await readCachedMetadata('https://mls.example/odata', env(dir));
    expect(copy?.xml).toBe('<b/>');
    expect(copy!.fetchedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(await readCachedMetadata('https://other.example/odata', env(dir))).toBeUndefined();
  });

  it('reports a copy it cannot write instead of throwing', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'resync-mdcache-')), 'a-file');
    writeFileSync(file, 'not a folder');
    const failed = await writeCachedMetadata('https://mls.example/odata', '<a/>', env(join(file, 'sub')));
    expect(failed).toBeInstanceOf(Error);
  });

  it('lives under the XDG cache folder unless told otherwise', () => {
    expect(metadataCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/resync/metadata');
    expect(metadataCacheDir({ RESYNC_METADATA_CACHE: '/y', XDG_CACHE_HOME: '/x' })).toBe('/y');
  });
});
