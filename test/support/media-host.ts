/**
 * A media host for tests: serves deterministic bytes for any path (different for each `v=`
 * version, so a changed photo has new bytes), counts the downloads per path, and refuses what a
 * test asks it to. MediaURLs are pointed at it by a destination transform (mediaUrlsTo).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MediaHost {
  origin: string;
  /** Downloads served so far (200s), by path without the query. */
  downloads: Map<string, number>;
  /** Requests answered in any way, with their User-Agent. */
  requests: { path: string; status: number; userAgent: string | undefined }[];
  totalDownloads(): number;
  reset(): void;
  /** Answer 403 to requests this returns true for. */
  refuse: ((req: IncomingMessage) => boolean) | null;
  close(): Promise<void>;
}

/** The bytes served for a path and version: a JPEG-shaped body of 2–6 KiB. */
export function mediaBytes(pathWithQuery: string): Buffer {
  const seed = createHash('sha256').update(pathWithQuery).digest();
  const length = 2048 + (seed.readUInt16BE(0) % 4096);
  const body = Buffer.alloc(length);
  for (let i = 0; i < length; i += seed.length) seed.copy(body, i, 0, Math.min(seed.length, length - i));
  body[0] = 0xff;
  body[1] = 0xd8;
  body[length - 2] = 0xff;
  body[length - 1] = 0xd9;
  return body;
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function startMediaHost(): Promise<MediaHost> {
  const downloads = new Map<string, number>();
  const requests: MediaHost['requests'] = [];
  const host: Partial<MediaHost> & { refuse: MediaHost['refuse'] } = { refuse: null };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const userAgent = req.headers['user-agent'];
    if (host.refuse?.(req)) {
      requests.push({ path: url.pathname, status: 403, userAgent });
      res.writeHead(403, { 'content-type': 'text/plain' }).end('expired');
      return;
    }
    const body = mediaBytes(`${url.pathname}${url.search}`);
    downloads.set(url.pathname, (downloads.get(url.pathname) ?? 0) + 1);
    requests.push({ path: url.pathname, status: 200, userAgent });
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(host, {
    origin: `http://127.0.0.1:${port}`,
    downloads,
    requests,
    totalDownloads: () => [...downloads.values()].reduce((a, b) => a + b, 0),
    reset() {
      downloads.clear();
      requests.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as MediaHost;
}

/** A destination transform that points every Media row's URL at `origin` (same path and query). */
export function mediaUrlsTo(origin: string) {
  return (resource: string, record: Record<string, unknown>): Record<string, unknown> => {
    if (!resource.endsWith('Media') || typeof record.MediaURL !== 'string') return record;
    const u = new URL(record.MediaURL);
    return { ...record, MediaURL: `${origin}${u.pathname}${u.search}` };
  };
}
