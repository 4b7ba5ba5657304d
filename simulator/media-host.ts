/**
 * The simulator's image host: every MediaURL points here (`<origin>/media/<MediaKey>.png?v=…`) and
 * is answered with the PNG of that MediaKey at the photos timestamp `v` (see media-image.ts). The
 * platform's media rules apply, and breaking one is a counted violation like any other rule:
 *
 * - expiring URLs (`urlTtlMs`): a URL carries `exp` and a signature; once expired (or altered) it is
 *   refused with 403, as signed CDN URLs are. A client re-reads the Media record for a fresh one.
 * - `User-Agent: <access token>` on every media request (MLS Grid, 2026).
 * - media requests spend the API's request budget (MLS Grid).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dataset } from './dataset';
import { ODataError } from './engine/errors';
import { simulatedImage } from './media-image';
import type { MediaRules } from './personalities/types';

export const MEDIA_PATH = '/media';

export interface MediaRequestChecks {
  /** Whether this is an access token the platform issued (for the User-Agent rule). */
  isAccessToken(token: string): boolean;
  /** Spends one request of the API's budget; the 429 to answer when it is used up. */
  spendRequest(): ODataError | undefined;
  /** Pause this long after half the body (the `slow-body` fault: a download cut mid-file by a crash). */
  stallMs?: number;
}

export class MediaUrls {
  /** `http://host:port`, known once the server listens (before any URL is rendered). */
  origin = '';

  constructor(
    private readonly rules: MediaRules,
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The URL of a photo. With expiring URLs the expiry is on a grid of `urlTtlMs` (valid for one to
   * two TTLs), so one record renders the same URL within a window instead of on every request.
   */
  urlFor(mediaKey: string, photosMs: number): string {
    const version = photosMs.toString(36);
    const base = `${this.origin}${MEDIA_PATH}/${encodeURIComponent(mediaKey)}.png?v=${version}`;
    const ttl = this.rules.urlTtlMs;
    if (ttl === undefined) return base;
    const exp = ((Math.floor(this.now() / ttl) + 2) * ttl).toString(36);
    return `${base}&exp=${exp}&sig=${this.sign(mediaKey, version, exp)}`;
  }

  /** Answers GET `/media/<MediaKey>.png?v=…`: the PNG, or an ODataError (a violation where the client broke a rule). */
  async serve(req: IncomingMessage, res: ServerResponse, url: URL, dataset: Dataset, checks: MediaRequestChecks): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ODataError(405, 'method-not-allowed', 'media files are read with GET');
    const { mediaKey, photosMs, version } = this.parse(url, dataset);
    if (this.rules.userAgentIsToken) {
      const agent = userAgent(req.headers);
      if (!agent || !checks.isAccessToken(agent)) {
        throw new ODataError(403, 'media-user-agent', 'media requests must carry User-Agent: <your access token>', 'media-user-agent');
      }
    }
    if (this.rules.urlTtlMs !== undefined) this.checkSignature(url, mediaKey, version);
    if (this.rules.sharesRequestBudget) {
      const refused = checks.spendRequest();
      if (refused) throw refused;
    }
    const body = simulatedImage(mediaKey, photosMs);
    res.writeHead(200, {
      'Content-Type': 'image/png',
      'Content-Length': body.length,
      'Cache-Control': 'private, max-age=3600',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (checks.stallMs !== undefined) {
      const half = body.length >> 1;
      res.write(body.subarray(0, half));
      await sleep(checks.stallMs);
      if (res.destroyed) return;
      res.end(body.subarray(half));
      return;
    }
    res.end(body);
  }

  private parse(url: URL, dataset: Dataset): { mediaKey: string; photosMs: number; version: string } {
    const m = /^\/media\/([^/]+)\.png$/.exec(url.pathname);
    let mediaKey: string | undefined;
    try {
      mediaKey = m ? decodeURIComponent(m[1] as string) : undefined;
    } catch {
      mediaKey = undefined;
    }
    const parsed = mediaKey === undefined ? undefined : dataset.keys.parseMediaKey(mediaKey);
    if (!mediaKey || !parsed || parsed.index >= dataset.allocatedCount || parsed.order < 1 || parsed.order > dataset.mediaPerRecord) {
      throw new ODataError(404, 'not-found', `no media file at ${url.pathname}`);
    }
    const version = url.searchParams.get('v') ?? '';
    const photosMs = parseInt(version, 36);
    if (!/^[0-9a-z]{1,12}$/.test(version) || !Number.isSafeInteger(photosMs)) {
      throw new ODataError(404, 'not-found', `no media file at ${url.pathname} with version ${JSON.stringify(version)}`);
    }
    return { mediaKey, photosMs, version };
  }

  private checkSignature(url: URL, mediaKey: string, version: string): void {
    const exp = url.searchParams.get('exp') ?? '';
    const sig = Buffer.from(url.searchParams.get('sig') ?? '');
    const expected = Buffer.from(this.sign(mediaKey, version, exp));
    if (!/^[0-9a-z]{1,12}$/.test(exp) || sig.length !== expected.length || !timingSafeEqual(sig, expected)) {
      throw new ODataError(
        403,
        'media-url-invalid',
        'the media URL’s signature does not match; use the URL as served',
        'media-url-invalid',
      );
    }
    if (parseInt(exp, 36) <= this.now()) {
      throw new ODataError(
        403,
        'media-url-expired',
        'the media URL has expired; read the Media record again for a fresh one',
        'media-url-expired',
      );
    }
  }

  private sign(mediaKey: string, version: string, exp: string): string {
    return createHmac('sha256', this.secret).update(`${mediaKey}\n${version}\n${exp}`).digest('base64url').slice(0, 22);
  }
}

function userAgent(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['user-agent'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
