/**
 * The photo behind a simulated MediaURL: a small, valid PNG whose size and pixels are a pure
 * function of (MediaKey, photos timestamp), so a test can compute the bytes it expects and a
 * changed photo has new bytes. PNG because it is a real image format that needs nothing but
 * zlib to write; the pixels are noise, so the bytes do not compress away (sizes are realistic for
 * thumbnails: about 10–40 KB).
 */
import { deflateSync } from 'node:zlib';
import { hash, hashString } from './hash';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TWO_32 = 4294967296;

export interface ImageSize {
  width: number;
  height: number;
}

function seedOf(mediaKey: string, photosMs: number): number {
  return hash(hashString(mediaKey), photosMs % TWO_32, Math.floor(photosMs / TWO_32), 0x1a9e);
}

/** Width 64–159 and height 48–111 pixels. */
export function imageSize(mediaKey: string, photosMs: number): ImageSize {
  const h = seedOf(mediaKey, photosMs);
  return { width: 64 + (h % 96), height: 48 + ((h >>> 8) % 64) };
}

/** The PNG for this MediaKey at this photos timestamp. */
export function simulatedImage(mediaKey: string, photosMs: number): Buffer {
  const { width, height } = imageSize(mediaKey, photosMs);
  const rowBytes = 1 + width * 3;
  const raw = Buffer.alloc(rowBytes * height);
  let x = seedOf(mediaKey, photosMs) | 1;
  for (let y = 0; y < height; y++) {
    // Filter byte 0 (none), then RGB triples from a xorshift stream.
    for (let i = y * rowBytes + 1; i < (y + 1) * rowBytes; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      raw[i] = x & 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour (RGB)
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    // Level 1: noise does not compress, and this is served on every download.
    chunk('IDAT', deflateSync(raw, { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG (and zlib) define it (node:zlib has crc32 only from Node 22). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
