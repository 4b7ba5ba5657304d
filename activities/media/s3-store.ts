/**
 * MediaStore on any S3-compatible bucket (AWS S3, MinIO, R2, moto…) through @aws-sdk/client-s3.
 *
 * The SHA-256 is stored as object metadata (`x-amz-meta-sha256`) so head() answers from a HEAD
 * request. Metadata travels with the start of an upload, before the bytes whose hash it is, so:
 * - a file up to `bufferBytes` (default 8 MiB: nearly every listing photo) is read into memory,
 *   hashed, and sent in one PUT with its metadata;
 * - a larger one streams as a multipart upload (@aws-sdk/lib-storage) to a temporary key under
 *   `<prefix>.resync-tmp/`, and once its hash and size are known and right, a server-side copy
 *   puts it under the real key with the metadata; the temporary object is then deleted.
 * Either way the real key only ever holds a complete file, and a short body leaves nothing there.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DigestingStream } from './digest';
import { assertValidKey, assertValidPrefix, MediaSizeMismatchError, RESERVED_NAME_PREFIX } from './keys';
import type { MediaStore, PutFileInput, StoredFile } from './store';

/** S3's cap on keys per DeleteObjects request. */
export const DELETE_BATCH = 1000;
const DEFAULT_BUFFER_BYTES = 8 * 1024 * 1024;
const SHA_METADATA = 'sha256';
const TEMP_FOLDER = `${RESERVED_NAME_PREFIX}tmp/`;

export interface S3MediaStoreOptions {
  bucket: string;
  /** Prepended to every key (e.g. `media/`); a missing trailing slash is added. Default ''. */
  prefix?: string;
  /** Endpoint of a non-AWS server, e.g. `http://127.0.0.1:9010`. Default: AWS for the region. */
  endpoint?: string;
  region?: string;
  /** Static credentials; without them the SDK's default chain (environment, profile, instance role) is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style URLs (`<endpoint>/<bucket>/<key>`), which most self-hosted servers need. Default true with an endpoint. */
  forcePathStyle?: boolean;
  /** When set, `location` is `<publicBaseUrl>/<object key>` instead of `s3://<bucket>/<object key>`. */
  publicBaseUrl?: string;
  /** Files up to this size go up in one PUT; larger ones as a multipart upload. Default 8 MiB (at least 5 MiB). */
  bufferBytes?: number;
  /** Parts uploaded at once for a large file. Default 4. */
  queueSize?: number;
  /** Keys per ListObjectsV2 page (MaxKeys). Default: the server's (1,000 on S3). */
  listPageSize?: number;
  /** A ready client (tests, shared connection pools); the store then does not destroy it on close(). */
  client?: S3Client;
}

export class S3MediaStoreError extends Error {
  override readonly name = 'S3MediaStoreError';
}

interface S3ErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

const isNotFound = (error: unknown) => {
  const e = error as S3ErrorShape;
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
};

export class S3MediaStore implements MediaStore {
  readonly kind = 's3';
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly publicBaseUrl: string | undefined;
  private readonly bufferBytes: number;
  private readonly queueSize: number;
  private readonly listPageSize: number | undefined;

  constructor(options: S3MediaStoreOptions) {
    if (!options.bucket) throw new S3MediaStoreError('S3MediaStore needs a bucket');
    this.bucket = options.bucket;
    const prefix = options.prefix ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    if (this.prefix !== '') assertValidPrefix(this.prefix);
    this.publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, '');
    // Multipart parts are at least 5 MiB on S3, so anything smaller goes up in one PUT anyway.
    this.bufferBytes = Math.max(options.bufferBytes ?? DEFAULT_BUFFER_BYTES, 5 * 1024 * 1024);
    this.queueSize = options.queueSize ?? 4;
    this.listPageSize = options.listPageSize;
    this.ownsClient = options.client === undefined;
    this.client =
      options.client ??
      new S3Client({
        region: options.region ?? 'us-east-1',
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
        // The store checks its own SHA-256; the SDK's CRC check of GET answers trips over servers
        // that report a multipart object's checksum differently (moto after a copy).
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
  }

  /** The object key a media key is stored under. */
  objectKey(key: string): string {
    assertValidKey(key);
    return `${this.prefix}${key}`;
  }

  private location(objectKey: string): string {
    if (this.publicBaseUrl) return `${this.publicBaseUrl}/${objectKey.split('/').map(encodeURIComponent).join('/')}`;
    return `s3://${this.bucket}/${objectKey}`;
  }

  async put(input: PutFileInput): Promise<StoredFile> {
    const objectKey = this.objectKey(input.key);
    const digest = new DigestingStream();
    input.body.on('error', (error) => digest.destroy(error));
    input.body.pipe(digest);
    const head = await readUpTo(digest, this.bufferBytes + 1);
    const stored =
      head.length <= this.bufferBytes
        ? await this.putSmall(input, objectKey, head, digest)
        : await this.putLarge(input, objectKey, head, digest);
    return { key: input.key, location: this.location(objectKey), size: stored.size, contentType: input.contentType, sha256: stored.sha256 };
  }

  private checkSize(input: PutFileInput, size: number): void {
    const expected = input.expectedSize;
    if (expected !== undefined && expected !== null && size !== expected) throw new MediaSizeMismatchError(input.key, expected, size);
  }

  /** The whole body is in memory: hash known, one PUT with its metadata. */
  private async putSmall(input: PutFileInput, objectKey: string, body: Buffer, digest: DigestingStream) {
    this.checkSize(input, body.length);
    const sha256 = digest.digest();
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: objectKey,
        Body: body,
        ContentLength: body.length,
        ...(input.contentType ? { ContentType: input.contentType } : {}),
        Metadata: { [SHA_METADATA]: sha256 },
      }),
    );
    return { size: body.length, sha256 };
  }

  /** Streams to a temporary key, then copies it into place with the metadata once the hash is known. */
  private async putLarge(input: PutFileInput, objectKey: string, head: Buffer, digest: DigestingStream) {
    const tempKey = `${this.prefix}${TEMP_FOLDER}${randomBytes(8).toString('hex')}`;
    const body = Readable.from(prepend(head, digest), { objectMode: false });
    try {
      const upload = new Upload({
        client: this.client,
        queueSize: this.queueSize,
        partSize: this.bufferBytes,
        leavePartsOnError: false,
        params: { Bucket: this.bucket, Key: tempKey, Body: body, ...(input.contentType ? { ContentType: input.contentType } : {}) },
      });
      await upload.done();
      this.checkSize(input, digest.size);
      const sha256 = digest.digest();
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          CopySource: `${this.bucket}/${tempKey.split('/').map(encodeURIComponent).join('/')}`,
          MetadataDirective: 'REPLACE',
          ...(input.contentType ? { ContentType: input.contentType } : {}),
          Metadata: { [SHA_METADATA]: sha256 },
        }),
      );
      return { size: digest.size, sha256 };
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tempKey })).catch(() => undefined);
    }
  }

  async head(key: string, options: { verify?: boolean } = {}): Promise<StoredFile | null> {
    const objectKey = this.objectKey(key);
    let answer;
    try {
      answer = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    const recorded = answer.Metadata?.[SHA_METADATA];
    const sha256 = options.verify || !recorded ? await this.hashObject(objectKey) : recorded;
    if (sha256 === null) return null; // deleted between the HEAD and the GET
    return { key, location: this.location(objectKey), size: answer.ContentLength ?? 0, contentType: answer.ContentType ?? null, sha256 };
  }

  private async hashObject(objectKey: string): Promise<string | null> {
    let answer;
    try {
      answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    const digest = new DigestingStream();
    const body = answer.Body as Readable | undefined;
    if (!body) throw new S3MediaStoreError(`GET ${objectKey} answered without a body`);
    for await (const chunk of body.pipe(digest)) void chunk;
    return digest.digest();
  }

  async delete(keys: readonly string[]): Promise<void> {
    const objectKeys = keys.map((key) => this.objectKey(key));
    for (let i = 0; i < objectKeys.length; i += DELETE_BATCH) {
      const batch = objectKeys.slice(i, i + DELETE_BATCH);
      const answer = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      // Absent keys are not errors on S3; anything listed here is a real failure (access, throttling).
      const errors = (answer.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (errors.length > 0) {
        const first = errors[0];
        throw new S3MediaStoreError(
          `DeleteObjects failed for ${errors.length} of ${batch.length} keys in ${this.bucket}, e.g. ${first?.Key ?? '?'}: ${first?.Code ?? ''} ${first?.Message ?? ''}`.trim(),
        );
      }
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    assertValidPrefix(prefix);
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${this.prefix}${prefix}`,
          ...(this.listPageSize ? { MaxKeys: this.listPageSize } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(this.prefix.length);
        // The store's own temporary objects are not media.
        if (key && !key.split('/').some((segment) => segment.startsWith(RESERVED_NAME_PREFIX))) yield key;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }
}

/** Reads from `stream` until `limit` bytes or its end, whichever comes first; the rest stays in the stream. */
async function readUpTo(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise<Buffer>((resolve, reject) => {
    const finish = (error?: Error) => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, size));
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (size < limit && (chunk = stream.read() as Buffer | null) !== null) {
        if (size + chunk.length > limit) {
          const keep = limit - size;
          chunks.push(chunk.subarray(0, keep));
          stream.unshift(chunk.subarray(keep));
          size = limit;
        } else {
          chunks.push(chunk);
          size += chunk.length;
        }
      }
      if (size >= limit) finish();
    };
    const onEnd = () => finish();
    const onError = (error: Error) => finish(error);
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}

/** `head` followed by whatever is left in `rest`, as one stream for the multipart upload. */
async function* prepend(head: Buffer, rest: Readable): AsyncGenerator<Buffer> {
  yield head;
  for await (const chunk of rest) yield chunk as Buffer;
}
