/**
 * Authorization headers for a source. OAuth2 tokens are cached and refreshed shortly before
 * they expire, and once more when the MLS answers 401. Tokens never leave this module except
 * inside the Authorization header.
 */
import got from 'got';
import type { SourceConfig } from '../../config';
import { SourceAuthFailed, SourceUnavailable } from './errors';

export interface AuthProvider {
  header(): Promise<string | undefined>;
  /** Forget the cached token (after a 401); returns whether a refresh is possible at all. */
  invalidate(): boolean;
}

/** Refresh this long before `expires_in` runs out, so no request carries a token about to die. */
const EXPIRY_MARGIN_MS = 60_000;

export function createAuth(auth: SourceConfig['auth'], timeoutMs: number): AuthProvider {
  switch (auth.type) {
    case 'none':
      return { header: async () => undefined, invalidate: () => false };
    case 'bearer':
      return { header: async () => `Bearer ${auth.token}`, invalidate: () => false };
    case 'oauth2': {
      let cached: { token: string; expiresAt: number } | undefined;
      let pending: Promise<string> | undefined;
      const fetchToken = async (): Promise<string> => {
        let res;
        try {
          res = await got.post(auth.tokenUrl, {
            form: { grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret, scope: auth.scope },
            timeout: { request: timeoutMs },
            throwHttpErrors: false,
            retry: { limit: 0 },
          });
        } catch (err) {
          // The endpoint could not be reached: that passes, bad credentials do not.
          throw new SourceUnavailable(
            `token endpoint ${auth.tokenUrl} failed: ${(err as { code?: string }).code ?? (err as Error).message}`,
          );
        }
        if (res.statusCode === 408 || res.statusCode === 429 || res.statusCode >= 500) {
          throw new SourceUnavailable(`token endpoint ${auth.tokenUrl} answered ${res.statusCode}`);
        }
        if (res.statusCode !== 200) {
          throw new SourceAuthFailed(`token endpoint ${auth.tokenUrl} answered ${res.statusCode}`);
        }
        let body: { access_token?: unknown; expires_in?: unknown };
        try {
          body = JSON.parse(res.body) as typeof body;
        } catch {
          // A cut-off answer from a flaky link: asking again usually works.
          throw new SourceUnavailable(`token endpoint ${auth.tokenUrl} returned a body that is not JSON`);
        }
        if (typeof body.access_token !== 'string') throw new SourceAuthFailed(`token endpoint ${auth.tokenUrl} returned no access_token`);
        const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 3600) * 1000;
        cached = { token: body.access_token, expiresAt: Date.now() + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2) };
        return body.access_token;
      };
      return {
        async header() {
          if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
          // Concurrent requests share one token fetch.
          pending ??= fetchToken().finally(() => (pending = undefined));
          return `Bearer ${await pending}`;
        },
        invalidate() {
          cached = undefined;
          return true;
        },
      };
    }
  }
}
