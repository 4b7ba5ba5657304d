/**
 * The simulator's image host: real PNG bytes behind every MediaURL, deterministic per MediaKey and
 * photos timestamp, and the platforms' media rules (expiring URLs, MLS Grid's User-Agent rule and
 * request budget) refused and counted as violations.
 */
import { inflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32, simulatedImage } from '../../simulator/media-image';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../simulator/server';
import { defaultToken } from '../../simulator/personalities/common';

let sim: SimulatorHandle | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(options: Partial<SimulatorOptions> = {}): Promise<SimulatorHandle> {
  sim = await startSimulator({ records: 5, seed: 3, mediaPerRecord: 2, ...options });
  return sim;
}

function firstPhoto(s: SimulatorHandle): Record<string, unknown> {
  const [key] = s.dataset.liveKeys();
  return s.dataset.getMedia(key!)![0]!;
}

async function download(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; body: Buffer }> {
  const res = await fetch(url, { headers });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

/** Parses a PNG's chunks, checking every CRC, and returns its size and decompressed pixel rows. */
function readPng(bytes: Buffer): { width: number; height: number; raw: Buffer } {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  const types: string[] = [];
  while (at < bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    expect(bytes.readUInt32BE(at + 8 + length)).toBe(crc32(bytes.subarray(at + 4, at + 8 + length)));
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9]]).toEqual([8, 2]);
    }
    if (type === 'IDAT') idat.push(data);
    types.push(type);
    at += 12 + length;
  }
  expect(types[0]).toBe('IHDR');
  expect(types.at(-1)).toBe('IEND');
  return { width, height, raw: inflateSync(Buffer.concat(idat)) };
}

describe('simulator media files', () => {
  it('serves a valid PNG for a MediaURL, the same bytes for the same MediaKey and timestamp', async () => {
    const s = await start();
    const photo = firstPhoto(s);
    expect(String(photo.MediaURL).startsWith(`${s.origin}/media/`)).toBe(true);
    const got = await download(String(photo.MediaURL));
    expect(got.status).toBe(200);
    expect(got.type).toBe('image/png');
    const png = readPng(got.body);
    expect([png.width, png.height]).toEqual([photo.ImageWidth, photo.ImageHeight]);
    expect(png.raw.length).toBe(png.height * (1 + png.width * 3));
    expect(got.body).toEqual(simulatedImage(String(photo.MediaKey), Date.parse(String(photo.MediaModificationTimestamp))));
    expect((await download(String(photo.MediaURL))).body).toEqual(got.body);
    expect(s.stats.violations).toBe(0);
  });

  it('a changed photo has a new URL and new bytes', async () => {
    const s = await start();
    const before = firstPhoto(s);
    s.dataset.touch([s.dataset.liveKeys()[0]!], { photos: true });
    const after = firstPhoto(s);
    expect(after.MediaURL).not.toBe(before.MediaURL);
    const [a, b] = await Promise.all([download(String(before.MediaURL)), download(String(after.MediaURL))]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body.equals(a.body)).toBe(false);
  });

  it('answers 404 for a MediaKey it never had, without a violation', async () => {
    const s = await start();
    expect((await download(`${s.origin}/media/L000009999-M1.png?v=1`)).status).toBe(404);
    expect((await download(`${s.origin}/media/L000000000-M9.png?v=1`)).status).toBe(404);
    expect(s.stats.violations).toBe(0);
  });

  it('refuses an expired URL with 403 and counts a violation; an altered one too', async () => {
    const s = await start({ personalityOptions: { mediaUrlTtlMs: 1000 } });
    const url = new URL(String(firstPhoto(s).MediaURL));
    expect(url.searchParams.get('exp')).toMatch(/^[0-9a-z]+$/);
    expect((await download(url.href)).status).toBe(200);

    const altered = new URL(url);
    altered.searchParams.set('exp', (parseInt(url.searchParams.get('exp')!, 36) + 60_000).toString(36));
    expect((await download(altered.href)).status).toBe(403);
    expect(s.stats.violationsByReason).toEqual({ 'media-url-invalid': 1 });

    await new Promise((r) => setTimeout(r, 2100));
    const expired = await download(url.href);
    expect(expired.status).toBe(403);
    expect(expired.body.toString()).toContain('media-url-expired');
    expect(s.stats.violationsByReason).toEqual({ 'media-url-invalid': 1, 'media-url-expired': 1 });
    // The Media record read again carries a fresh URL that works.
    expect((await download(String(firstPhoto(s).MediaURL))).status).toBe(200);
  });

  it('MLS Grid: a media request must carry User-Agent: <access token>', async () => {
    const s = await start({ personality: 'mlsgrid', personalityOptions: { rateLimits: {} } });
    const url = String(firstPhoto(s).MediaURL);
    expect((await download(url, { 'user-agent': 'curl/8' })).status).toBe(403);
    expect((await download(url, { authorization: `Bearer ${defaultToken('mlsgrid')}` })).status).toBe(403);
    expect(s.stats.violationsByReason).toEqual({ 'media-user-agent': 2 });
    const ok = await download(url, { 'user-agent': defaultToken('mlsgrid') });
    expect(ok.status).toBe(200);
    expect(s.stats.violations).toBe(2);
  });

  it('MLS Grid: media requests spend the API’s request budget', async () => {
    const s = await start({ personality: 'mlsgrid', personalityOptions: { rateLimits: { perHour: 2 } } });
    const agent = { 'user-agent': defaultToken('mlsgrid') };
    const url = String(firstPhoto(s).MediaURL);
    expect((await download(url, agent)).status).toBe(200);
    expect((await download(url, agent)).status).toBe(200);
    const third = await download(url, agent);
    expect(third.status).toBe(429);
    expect(s.stats.violationsByReason).toEqual({ 'rate-limit': 1 });
  });

  it('media requests can be slowed or failed by faults aimed at the image host', async () => {
    const s = await start();
    s.faults.add({ kind: '5xx', target: 'media', count: 1 });
    const url = String(firstPhoto(s).MediaURL);
    expect((await download(url)).status).toBe(503);
    expect((await download(url)).status).toBe(200);
    expect(s.stats.faults).toEqual({ '5xx': 1 });
  });
});
