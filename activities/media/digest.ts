/**
 * A pass-through stream that hashes (SHA-256) and counts the bytes flowing into a store, so the
 * checksum and size are known the moment the upload ends, without reading the file back.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

export class DigestingStream extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.hash.update(buffer);
    this.bytes += buffer.length;
    callback(null, buffer);
  }

  /** Bytes seen so far (all of them once the stream has ended). */
  get size(): number {
    return this.bytes;
  }

  /** Lower-case hex SHA-256; call once, after the stream has ended. */
  digest(): string {
    return this.hash.digest('hex');
  }
}
