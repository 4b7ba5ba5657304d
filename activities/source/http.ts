/**
 * The one place that talks HTTP to an MLS: gzip, a timeout on every request, cancellation, one
 * token refresh on 401, and every failure turned into a typed error (see errors.ts). Bodies are
 * received as the bytes sent and decompressed and parsed on the body thread (body-thread.ts).
 */
import got, { RequestError, type Response } from 'got';
import { z } from 'zod';
import type { AuthProvider } from './auth';
import type { LinePlan } from '../common/load-lines';
import { BodyUndecodable, decodeBody } from './body-thread';
import type { RequestBudget } from './rate-budget';
import type { SendSpacing } from './send-spacing';
import { SourceAuthFailed, SourceRateLimited, SourceRequestRejected, SourceResponseInvalid, SourceUnavailable } from './errors';

export interface HttpClientOptions {
  auth: AuthProvider;
  timeoutMs: number;
  userAgent?: string;
  /** Shared by every request to this source (see rate-limit.ts). */
  limiter?: RequestBudget;
  /** Keeps the short rate windows true as the MLS measures them (see send-spacing.ts). */
  spacing?: SendSpacing;
}

export interface ODataPage {
  records: Record<string, unknown>[];
  count: number | null;
  nextLink: string | null;
  bytes: number;
}

/**
 * Records are checked to be plain objects but not copied: zod's record parser would rebuild every
 * 650-field record of every page, which cost more than parsing the JSON.
 */
const odataRecord = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
  error: 'has a "value" entry that is not an object',
});

const envelope = z.object({
  value: z.array(odataRecord, { error: 'has no "value" array of objects' }),
  '@odata.count': z.number().int().nonnegative().optional(),
  '@odata.nextLink': z.string().optional(),
});

export interface CollectionOptions {
  /**
   * Hears the collection's `@odata.nextLink` (as sent: maybe relative) once the body is in and
   * decompressed, before it is parsed, so the next request can go out meanwhile. A hint: the page's
   * `nextLink` is what counts.
   */
  onNextLink?: (link: string) => void;
  /** LOAD DATA lines to write beside the records, by this plan (common/load-lines.ts). */
  lines?: LinePlan | undefined;
}

export interface HttpClient {
  getText(url: string, signal?: AbortSignal): Promise<string>;
  getCollection(url: string, signal?: AbortSignal, options?: CollectionOptions): Promise<ODataPage>;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  /** A 2xx response, its body as the server sent it (compressed); any other status is a typed error. */
  const send = async (url: string, accept: string, signal?: AbortSignal, retriedAuth = false): Promise<Response<Buffer>> => {
    await options.limiter?.acquire(signal);
    const authorization = await options.auth.header();
    const slot = await options.spacing?.reserve(signal);
    let res: Response<Buffer>;
    try {
      res = await got(url, {
        headers: {
          accept,
          'accept-encoding': 'gzip, deflate',
          ...(authorization ? { authorization } : {}),
          ...(options.userAgent ? { 'user-agent': options.userAgent } : {}),
        },
        // Decompressed on the body thread, not on the thread that converts and writes pages.
        decompress: false,
        responseType: 'buffer',
        timeout: { request: options.timeoutMs },
        retry: { limit: 0 }, // Temporal's retry policy owns retries, with the right backoff.
        throwHttpErrors: false,
        ...(signal ? { signal } : {}),
      });
      slot?.sent(res.timings.upload ?? res.timings.start);
    } catch (err) {
      slot?.sent(err instanceof RequestError ? (err.timings?.upload ?? err.timings?.start) : undefined);
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('request cancelled');
      const code = err instanceof RequestError ? err.code : undefined;
      throw new SourceUnavailable(`request to ${redact(url)} failed: ${code ?? (err as Error).message}`);
    }
    const status = res.statusCode;
    options.limiter?.observeHeaders(res.headers);
    if (status >= 200 && status < 300) return res;
    // An error's body is only its explanation: one that does not decode must not hide the status.
    const body = await decode(url, res, false).catch(() => '');
    if ((status === 401 || status === 403) && !retriedAuth && options.auth.invalidate()) {
      return send(url, accept, signal, true);
    }
    const detail = errorDetail(body);
    const what = `${redact(url)} answered ${status}${detail ? `: ${detail}` : ''}`;
    if (status === 401 || status === 403) throw new SourceAuthFailed(what);
    if (status === 429) {
      const delay = retryAfterMs(res.headers['retry-after']);
      // Every activity of this source waits, not just this one.
      options.limiter?.coolDown(delay);
      throw new SourceRateLimited(what, delay);
    }
    if (status === 408 || status >= 500) throw new SourceUnavailable(what);
    throw new SourceRequestRejected(what, status);
  };

  /** The body decompressed (and parsed, for `json`); its size counts against the byte budget. */
  async function decode(
    url: string,
    res: Response<Buffer>,
    json: true,
    onNextLink?: (link: string) => void,
    lines?: LinePlan,
  ): Promise<{ value: unknown; bytes: number }>;
  async function decode(url: string, res: Response<Buffer>, json: false): Promise<string>;
  async function decode(
    url: string,
    res: Response<Buffer>,
    json: boolean,
    onNextLink?: (link: string) => void,
    lines?: LinePlan,
  ): Promise<string | { value: unknown; bytes: number }> {
    const received = res.rawBody.length;
    try {
      const decoded = json
        ? await decodeBody(res.rawBody, res.headers['content-encoding'], true, onNextLink, lines)
        : await decodeBody(res.rawBody, res.headers['content-encoding'], false);
      options.limiter?.recordBytes(decoded.bytes);
      return json ? decoded : (decoded.value as string);
    } catch (err) {
      if (!(err instanceof BodyUndecodable)) throw err;
      options.limiter?.recordBytes(err.bytes ?? received);
      // Truncated or garbled bodies happen on flaky links; a retry usually gets a whole one.
      if (err.kind === 'json') throw new SourceResponseInvalid(`${redact(url)} returned invalid JSON (${err.bytes ?? received} bytes)`);
      throw new SourceResponseInvalid(`${redact(url)} returned a body that does not decompress (${received} bytes): ${err.message}`);
    }
  }

  return {
    async getText(url, signal) {
      return decode(url, await send(url, 'application/xml', signal), false);
    },
    async getCollection(url, signal, collectionOptions) {
      const response = await send(url, 'application/json', signal);
      const { value: json, bytes } = await decode(url, response, true, collectionOptions?.onNextLink, collectionOptions?.lines);
      const parsed = envelope.safeParse(json);
      if (!parsed.success) {
        throw new SourceResponseInvalid(`${redact(url)} returned JSON that is not an OData collection: ${parsed.error.issues[0]?.message}`);
      }
      return {
        records: parsed.data.value,
        count: parsed.data['@odata.count'] ?? null,
        nextLink: parsed.data['@odata.nextLink'] ?? null,
        bytes,
      };
    },
  };
}

function errorDetail(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message.slice(0, 300);
  } catch {
    // not JSON: fall through to the raw text
  }
  return body ? body.slice(0, 300) : undefined;
}

function retryAfterMs(header: string | undefined): number {
  if (!header) return 1000;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 1000 : Math.max(0, date - Date.now());
}

/** Some platforms put access tokens in query strings; never let one reach a log or an error. */
export function redact(url: string): string {
  return url.replace(/([?&](?:access_token|token|api_key|apikey)=)[^&]*/gi, '$1***');
}
