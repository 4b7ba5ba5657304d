/**
 * One media file over HTTP, streamed (never held in memory whole): the source's request budget
 * is taken first (media counts against MLS Grid's limits; a media quota of its own when configured),
 * the platform's media headers are set, and the answer is classified. A 429 cools every worker of
 * the source down, as for API requests.
 */
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Platform } from '../source/platforms';
import type { RequestBudget } from '../source/rate-budget';
import { redact } from '../source/http';
import { SourceRateLimited } from '../source/errors';
import { MediaDownloadFailed, MediaUrlRefused } from './errors';

export interface MediaResponse {
  body: Readable;
  contentType: string | null;
  /** Content-Length, when the host sent one. */
  size: number | null;
}

export interface FetchMediaOptions {
  budget: RequestBudget;
  platform: Platform;
  /** The source's Authorization header value (e.g. `Bearer …`), when it has one. */
  authorization: string | undefined;
  /** The source's service root: its credentials go only to the same origin. */
  serviceRoot: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * The headers of a media request. MLS Grid (2026 rule): `User-Agent` must be the access token.
 * The Authorization header goes only to the API's own origin, never to a CDN on another host.
 */
export function mediaRequestHeaders(
  url: string,
  o: Pick<FetchMediaOptions, 'platform' | 'authorization' | 'serviceRoot'>,
): Record<string, string> {
  const headers: Record<string, string> = { accept: 'image/*, */*' };
  const token = o.authorization?.replace(/^Bearer\s+/i, '');
  if (o.platform.mediaUserAgentIsToken && token) headers['user-agent'] = token;
  if (o.authorization && sameOrigin(url, o.serviceRoot)) headers.authorization = o.authorization;
  return headers;
}

export async function fetchMedia(url: string, o: FetchMediaOptions): Promise<MediaResponse> {
  await o.budget.acquire(o.signal);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: mediaRequestHeaders(url, o),
      redirect: 'follow',
      signal: AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs)]),
    });
  } catch (err) {
    if (o.signal.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : new Error('download cancelled');
    throw new MediaDownloadFailed(`GET ${redact(url)} failed: ${(err as Error).cause ?? (err as Error).message}`, true);
  }
  o.budget.observeHeaders(Object.fromEntries(res.headers));
  const what = `GET ${redact(url)} answered ${res.status}`;
  if (res.ok && res.body) {
    const length = Number(res.headers.get('content-length'));
    const raw = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
    const counted = countBytes((n) => o.budget.recordBytes(n));
    // pipe() does not pass errors on: a connection cut mid-file must fail the store's write.
    raw.on('error', (err) => counted.destroy(err));
    raw.pipe(counted);
    return { body: counted, contentType: res.headers.get('content-type'), size: Number.isFinite(length) && length >= 0 ? length : null };
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.status === 403 || res.status === 410) throw new MediaUrlRefused(what, res.status);
  if (res.status === 429) {
    const seconds = Number(res.headers.get('retry-after'));
    const delay = Number.isFinite(seconds) ? seconds * 1000 : 1000;
    o.budget.coolDown(delay);
    throw new SourceRateLimited(what, delay);
  }
  throw new MediaDownloadFailed(what, res.status === 408 || res.status >= 500 || res.ok);
}

function countBytes(record: (n: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      record(total);
      done();
    },
  });
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
