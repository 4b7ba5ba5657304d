/**
 * The body thread (activities/source/body-thread.ts): every Content-Encoding the client asks for,
 * gzip streams of several members, and bodies that do not decompress or parse are told apart;
 * a body sliced from Node's shared buffer pool is copied, not moved, so other buffers stay intact.
 */
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BodyUndecodable, decodeBody } from '../../activities/source/body-thread';

const page = { '@odata.nextLink': 'https://mls.example/Property?$skiptoken=2', value: [{ ListingKey: 'A', City: 'Zürich 🏠' }] };
const text = JSON.stringify(page);

describe('body thread', () => {
  it('decompresses gzip, deflate (wrapped or raw), br and plain bodies and parses them', async () => {
    const bodies: [string | undefined, Buffer][] = [
      ['gzip', gzipSync(text)],
      ['deflate', deflateSync(text)],
      ['deflate', deflateRawSync(text)],
      ['br', brotliCompressSync(text)],
      [undefined, Buffer.from(text)],
      ['identity', Buffer.from(text)],
    ];
    for (const [encoding, body] of bodies) {
      const decoded = await decodeBody(body, encoding, true);
      expect(decoded).toEqual({ value: page, bytes: Buffer.byteLength(text) });
    }
  });

  it('reads a gzip body of several members as one stream', async () => {
    const [head, tail] = [text.slice(0, 20), text.slice(20)];
    const decoded = await decodeBody(Buffer.concat([gzipSync(head), gzipSync(tail)]), 'gzip', true);
    expect(decoded.value).toEqual(page);
  });

  it('returns text when asked for text', async () => {
    expect(await decodeBody(gzipSync('<error>nope</error>'), 'gzip', false)).toEqual({ value: '<error>nope</error>', bytes: 19 });
  });

  it('tells a body that does not decompress from one that is not JSON', async () => {
    const notGzip = await decodeBody(Buffer.from('plain text'), 'gzip', true).catch((e: unknown) => e);
    expect(notGzip).toBeInstanceOf(BodyUndecodable);
    expect(notGzip).toMatchObject({ kind: 'encoding' });
    const truncated = await decodeBody(gzipSync(text.slice(0, 30)), 'gzip', true).catch((e: unknown) => e);
    expect(truncated).toMatchObject({ kind: 'json', bytes: 30 });
    const unknown = await decodeBody(Buffer.from(text), 'compress', true).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ kind: 'encoding', message: 'Content-Encoding compress is not supported' });
  });

  it('copies a body that shares Node’s buffer pool instead of moving the pool away', async () => {
    const neighbour = Buffer.from('neighbour');
    const small = Buffer.from('{"value":[]}');
    expect(small.buffer).toBe(neighbour.buffer);
    expect((await decodeBody(small, undefined, true)).value).toEqual({ value: [] });
    expect(neighbour.toString()).toBe('neighbour');
    expect(small.toString()).toBe('{"value":[]}');
    // A buffer of its own is moved (detached here) rather than copied.
    const own = Buffer.from(new Uint8Array(Buffer.from(text)).buffer);
    await decodeBody(own, undefined, true);
    expect(own.buffer.byteLength).toBe(0);
  });

  it('decodes many bodies at once, each answer to its own request', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => decodeBody(gzipSync(JSON.stringify({ i })), 'gzip', true)));
    expect(answers.map((a) => (a.value as { i: number }).i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
