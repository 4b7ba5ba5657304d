/**
 * The two MediaStores against the real thing: a folder on disk and the S3-compatible server setup
 * starts (moto, or $RESYNC_S3_URL). Both keep the same contract: the checksum is computed while
 * streaming and answered by head() without a download, a short body stores nothing, keys are
 * listed in byte order, absent keys are ignored on delete, and bad keys are refused by name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InvalidMediaKeyError, MediaSizeMismatchError } from '../../activities/media/keys';
import { LocalMediaStore } from '../../activities/media/local-store';
import { S3MediaStore } from '../../activities/media/s3-store';
import type { MediaStore } from '../../activities/media/store';

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of iterable) out.push(key);
  return out;
}

/** A body that sends `bytes` and then fails, like a connection dropped mid-download. */
function failingBody(bytes: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(bytes);
      } else {
        this.destroy(new Error('connection reset'));
      }
    },
  });
}

function s3Client(): S3Client {
  const credentials = inject('s3Credentials');
  return new S3Client({
    endpoint: inject('s3Url'),
    region: credentials.region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    forcePathStyle: true,
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

async function newBucket(client: S3Client): Promise<string> {
  const bucket = `resync-test-${randomBytes(5).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

interface Harness {
  store: MediaStore;
  /** Overwrites a stored file's bytes behind the store's back (a corrupt file). */
  corrupt(key: string, bytes: Buffer): Promise<void>;
  /** Whatever the store left behind in its backing storage, its own bookkeeping included. */
  everything(): Promise<string[]>;
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function localHarness(): Promise<Harness> {
  const root = await mkdtemp(join(tmpdir(), 'resync-media-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const store = new LocalMediaStore({ root: join(root, 'files') });
  return {
    store,
    corrupt: (key, bytes) => writeFile(store.pathOf(key), bytes),
    everything: async () =>
      (await readdir(root, { recursive: true, withFileTypes: true })).map((e) =>
        `${e.parentPath ?? e.path}/${e.name}`.slice(root.length + 1),
      ),
  };
}

async function s3Harness(
  options: { prefix?: string; bufferBytes?: number; listPageSize?: number } = {},
): Promise<Harness & { client: S3Client; bucket: string }> {
  const client = s3Client();
  const bucket = await newBucket(client);
  const store = new S3MediaStore({ bucket, client, ...options });
  cleanups.push(async () => {
    await store.close();
  });
  return {
    store,
    client,
    bucket,
    corrupt: async (key, bytes) => {
      // A rewrite by someone else keeps the old checksum metadata: exactly what verify is for.
      const old = await store.head(key);
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: store.objectKey(key), Body: bytes, Metadata: { sha256: old?.sha256 ?? '' } }),
      );
    },
    everything: async () => {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (page.Contents ?? []).map((object) => object.Key ?? '');
    },
  };
}

describe.each([
  ['local folder', localHarness],
  ['S3-compatible server', () => s3Harness({ prefix: 'media' })],
])('MediaStore on a %s', (_name, makeHarness) => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness();
  });

  it('stores a file, with the SHA-256 computed while streaming, and head() answers the same', async () => {
    const bytes = randomBytes(20_000);
    const stored = await h.store.put({
      key: 'Property/L1/M1.png',
      body: Readable.from([bytes.subarray(0, 7000), bytes.subarray(7000)]),
      contentType: 'image/png',
      expectedSize: bytes.length,
    });
    expect(stored).toMatchObject({ key: 'Property/L1/M1.png', size: bytes.length, contentType: 'image/png', sha256: sha(bytes) });
    expect(await h.store.head('Property/L1/M1.png')).toEqual(stored);
    expect(await h.store.head('Property/L1/M1.png', { verify: true })).toEqual(stored);
    expect(await h.store.head('Property/L1/absent.png')).toBeNull();
  });

  it('replaces a file as a whole and reports the new checksum', async () => {
    await h.store.put({ key: 'Property/L2/M1.png', body: Readable.from([Buffer.from('old bytes')]), contentType: 'image/png' });
    const fresh = Buffer.from('new bytes, longer than before');
    const stored = await h.store.put({ key: 'Property/L2/M1.png', body: Readable.from([fresh]), contentType: 'image/png' });
    expect(stored.sha256).toBe(sha(fresh));
    expect((await h.store.head('Property/L2/M1.png'))?.sha256).toBe(sha(fresh));
  });

  it('head({ verify }) finds a file whose bytes no longer match its checksum', async () => {
    const good = Buffer.from('the photo as downloaded');
    await h.store.put({ key: 'Property/L3/M1.png', body: Readable.from([good]), contentType: 'image/png' });
    const bad = Buffer.from('the photo, damaged later');
    await h.corrupt('Property/L3/M1.png', bad);
    expect((await h.store.head('Property/L3/M1.png', { verify: true }))?.sha256).toBe(sha(bad));
  });

  it('a short body is an error and leaves nothing behind', async () => {
    const before = await h.everything();
    const bytes = randomBytes(3000);
    const attempt = h.store.put({
      key: 'Property/L4/short.png',
      body: Readable.from([bytes]),
      contentType: 'image/png',
      expectedSize: 5000,
    });
    await expect(attempt).rejects.toBeInstanceOf(MediaSizeMismatchError);
    await expect(
      h.store.put({ key: 'Property/L4/broken.png', body: failingBody(bytes), contentType: 'image/png', expectedSize: 5000 }),
    ).rejects.toThrow('connection reset');
    expect(await h.store.head('Property/L4/short.png')).toBeNull();
    expect(await h.store.head('Property/L4/broken.png')).toBeNull();
    expect(await h.everything()).toEqual(before);
  });

  it('lists keys under a prefix in byte order', async () => {
    const keys = ['List/a/b', 'List/a.b', 'List/a-c', 'List/a0', 'List/B', 'List/é', 'List/z/y/x', 'List/ab'];
    for (const key of keys) await h.store.put({ key, body: Readable.from([Buffer.from(key)]), contentType: null });
    const byteOrder = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(await collect(h.store.list('List/'))).toEqual(byteOrder);
    // A prefix is a string prefix, not a folder: `List/a` also matches `List/a.b` and `List/ab`.
    expect(await collect(h.store.list('List/a'))).toEqual(byteOrder.filter((k) => k.startsWith('List/a')));
    expect(await collect(h.store.list('List/a/'))).toEqual(['List/a/b']);
    expect(await collect(h.store.list('Nothing/'))).toEqual([]);
  });

  it('deletes files, ignoring keys that are absent', async () => {
    for (const key of ['Gone/L1/1.png', 'Gone/L1/2.png', 'Gone/L2/1.png']) {
      await h.store.put({ key, body: Readable.from([Buffer.from(key)]), contentType: 'image/png' });
    }
    await h.store.delete(['Gone/L1/1.png', 'Gone/L1/2.png', 'Gone/never/was.png']);
    expect(await collect(h.store.list('Gone/'))).toEqual(['Gone/L2/1.png']);
    await h.store.delete(['Gone/L2/1.png']);
    expect(await collect(h.store.list('Gone/'))).toEqual([]);
    expect((await h.everything()).filter((entry) => entry.includes('Gone'))).toEqual([]);
  });

  it.each([
    ['../escape.png', '".." segment'],
    ['/etc/passwd', 'absolute path'],
    ['a\0b.png', 'NUL'],
    ['a//b.png', 'empty segment'],
    ['a/./b.png', '"." segment'],
    ['', 'empty'],
    [`${'x'.repeat(1025)}.png`, 'longer than 1024 bytes'],
    ['Property/.resync-tmp-1', 'reserved'],
    ['C:/x.png', 'drive letter'],
    ['a\\b.png', 'backslash'],
  ])('refuses the key %j (%s) before touching anything', async (key, reason) => {
    const attempt = h.store.put({ key, body: Readable.from([Buffer.from('x')]), contentType: null });
    await expect(attempt).rejects.toBeInstanceOf(InvalidMediaKeyError);
    await expect(attempt).rejects.toThrow(reason);
    await expect(h.store.head(key)).rejects.toBeInstanceOf(InvalidMediaKeyError);
    await expect(h.store.delete([key])).rejects.toBeInstanceOf(InvalidMediaKeyError);
  });
});

describe('LocalMediaStore on disk', () => {
  it('removes folders a delete emptied, and keeps no temp file after a put', async () => {
    const h = await localHarness();
    const store = h.store as LocalMediaStore;
    await store.put({ key: 'P/L9/1.png', body: Readable.from([Buffer.from('one')]), contentType: 'image/png' });
    expect((await h.everything()).filter((e) => e.includes('.resync-tmp'))).toEqual([]);
    await store.delete(['P/L9/1.png']);
    expect(await h.everything()).toEqual(['files']);
  });

  it('does not trust its checksum note for a file changed behind its back', async () => {
    const h = await localHarness();
    await h.store.put({ key: 'P/L8/1.png', body: Readable.from([Buffer.from('original')]), contentType: 'image/png' });
    await h.corrupt('P/L8/1.png', Buffer.from('changed by hand, another size'));
    expect((await h.store.head('P/L8/1.png'))?.sha256).toBe(sha(Buffer.from('changed by hand, another size')));
  });
});

describe('S3MediaStore on the S3-compatible server', () => {
  it('streams a file larger than its buffer as a multipart upload, stored whole with its checksum', async () => {
    const h = await s3Harness({ bufferBytes: 5 * 1024 * 1024 });
    const bytes = randomBytes(6 * 1024 * 1024 + 123);
    const parts = [bytes.subarray(0, 1_000_000), bytes.subarray(1_000_000, 5_500_000), bytes.subarray(5_500_000)];
    const stored = await h.store.put({
      key: 'Big/1.jpg',
      body: Readable.from(parts),
      contentType: 'image/jpeg',
      expectedSize: bytes.length,
    });
    expect(stored).toMatchObject({ size: bytes.length, sha256: sha(bytes), contentType: 'image/jpeg' });
    expect(await h.store.head('Big/1.jpg')).toEqual(stored);
    expect((await h.store.head('Big/1.jpg', { verify: true }))?.sha256).toBe(sha(bytes));
    // The temporary object of the multipart upload is gone; only the file remains.
    expect(await h.everything()).toEqual(['Big/1.jpg']);
    expect(stored.location).toBe(`s3://${h.bucket}/Big/1.jpg`);
  });

  it('a short multipart body leaves nothing, not even the temporary object', async () => {
    const h = await s3Harness({ bufferBytes: 5 * 1024 * 1024 });
    const bytes = randomBytes(6 * 1024 * 1024);
    const attempt = h.store.put({
      key: 'Big/2.jpg',
      body: Readable.from([bytes]),
      contentType: 'image/jpeg',
      expectedSize: bytes.length + 1,
    });
    await expect(attempt).rejects.toBeInstanceOf(MediaSizeMismatchError);
    expect(await h.everything()).toEqual([]);
  });

  it('follows ListObjectsV2 continuation tokens', async () => {
    const h = await s3Harness({ listPageSize: 2 });
    const keys = ['K/1', 'K/2', 'K/3', 'K/4', 'K/5'];
    for (const key of keys) await h.store.put({ key, body: Readable.from([Buffer.from(key)]), contentType: null });
    expect(await collect(h.store.list('K/'))).toEqual(keys);
  });

  it('deletes in DeleteObjects batches of at most 1,000 keys', async () => {
    const h = await s3Harness();
    const batches: number[] = [];
    h.client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Delete?: { Objects?: unknown[] } };
        if (input.Delete?.Objects) batches.push(input.Delete.Objects.length);
        return next(args);
      },
      { step: 'initialize', name: 'countDeleteBatches' },
    );
    const present = ['D/1', 'D/2'];
    for (const key of present) await h.store.put({ key, body: Readable.from([Buffer.from(key)]), contentType: null });
    const keys = [...present, ...Array.from({ length: 2498 }, (_, i) => `D/absent-${i}`)];
    await h.store.delete(keys);
    expect(batches).toEqual([1000, 1000, 500]);
    expect(await collect(h.store.list('D/'))).toEqual([]);
  });
});
