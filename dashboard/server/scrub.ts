/**
 * Last line of defence for secrets in text the dashboard shows: run errors, driver errors and
 * failure messages may quote a URL. Credentials in a URL's user-info and token-like query
 * parameters are masked wherever they appear.
 */

const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]*:[^/\s@]*@/gi;
const TOKEN_PARAMS = /([?&](?:access_token|token|api_key|apikey|key|secret|client_secret|password)=)[^&\s"']*/gi;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;

export function scrub(text: string): string;
export function scrub(text: string | null): string | null;
export function scrub(text: string | null): string | null {
  if (text === null) return null;
  return text.replace(USERINFO, '$1***@').replace(TOKEN_PARAMS, '$1***').replace(BEARER, '$1***');
}

/** The scheme and host of a URL (no user-info, path or query), or null when it is not one. */
export function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
