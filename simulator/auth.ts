/**
 * How the simulated MLS checks who is asking: nothing, one static bearer token, or OAuth2 client
 * credentials with tokens that expire (Trestle). A missing or unknown token is a client error and
 * counts as a violation; an expired one is a refusal, since a correct client meets it too (a
 * request in flight when the token ran out) and is expected to fetch a new token once.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthStyle, Rejection } from './personalities/types';

export const TOKEN_PATH = '/oauth/token';

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
  /** Set when the request broke a rule (bad credentials, wrong grant or scope). */
  violation?: string;
}

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="resync-simulator"' };

function unauthorized(reason: string, message: string, isViolation: boolean): Rejection {
  return {
    status: 401,
    code: reason,
    message,
    headers: CHALLENGE,
    ...(isViolation ? { violation: reason } : { refusal: reason }),
  };
}

function bearerOf(headers: IncomingHttpHeaders): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return m?.[1];
}

export class Authenticator {
  /** OAuth2 tokens handed out, with the instant they stop working. */
  private readonly tokens = new Map<string, number>();
  /** The last tokens handed out, kept for tests that look for them where they must not be. */
  private readonly recent: string[] = [];

  constructor(
    readonly style: AuthStyle,
    private readonly now: () => number = Date.now,
  ) {}

  get usesTokenEndpoint(): boolean {
    return this.style.kind === 'oauth2';
  }

  /** Undefined when the request may proceed. */
  check(headers: IncomingHttpHeaders): Rejection | undefined {
    const style = this.style;
    if (style.kind === 'none') return undefined;
    const token = bearerOf(headers);
    if (!token) return unauthorized('auth-missing', 'send Authorization: Bearer <token>', true);
    if (style.kind === 'bearer') {
      if (token === style.token) return undefined;
      return unauthorized('auth-invalid', 'the bearer token is not valid for this feed', true);
    }
    const expiresAt = this.tokens.get(token);
    if (expiresAt === undefined) return unauthorized('auth-invalid', 'unknown access token; get one from the token endpoint', true);
    if (expiresAt <= this.now()) return unauthorized('token-expired', 'the access token has expired; get a new one', false);
    return undefined;
  }

  /**
   * Makes every token handed out so far expire now (fault injection). Returns false for a static
   * token, which a client cannot renew: the caller answers that request 401 itself.
   */
  expireAll(): boolean {
    if (this.style.kind !== 'oauth2') return false;
    const now = this.now();
    for (const token of this.tokens.keys()) this.tokens.set(token, now);
    return true;
  }

  /** The last (up to 1000) access tokens handed out. */
  issuedTokens(): string[] {
    return [...this.recent];
  }

  /** `POST /oauth/token` with a form body: the client-credentials grant. */
  token(form: URLSearchParams, headers: IncomingHttpHeaders): TokenAnswer {
    const style = this.style;
    if (style.kind !== 'oauth2')
      return { status: 404, body: { error: 'not_found', error_description: 'this feed uses no token endpoint' } };
    const basic = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
    const [basicId, basicSecret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    const clientId = form.get('client_id') ?? basicId;
    const clientSecret = form.get('client_secret') ?? basicSecret;
    if (form.get('grant_type') !== 'client_credentials') {
      return { status: 400, body: { error: 'unsupported_grant_type' }, violation: 'token-grant' };
    }
    if (clientId !== style.clientId || clientSecret !== style.clientSecret) {
      return { status: 401, body: { error: 'invalid_client' }, violation: 'auth-invalid-client' };
    }
    if ((form.get('scope') ?? '') !== style.scope) {
      return { status: 400, body: { error: 'invalid_scope', error_description: `scope must be ${style.scope}` }, violation: 'token-scope' };
    }
    const now = this.now();
    // Forget dead tokens so a long benchmark does not grow the map without bound.
    for (const [t, expiresAt] of this.tokens) if (expiresAt <= now) this.tokens.delete(t);
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, now + style.tokenTtlMs);
    this.recent.push(token);
    if (this.recent.length > 1000) this.recent.shift();
    return {
      status: 200,
      body: { access_token: token, token_type: 'Bearer', expires_in: Math.max(1, Math.floor(style.tokenTtlMs / 1000)), scope: style.scope },
    };
  }
}
