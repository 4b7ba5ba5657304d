/** `POST /oauth/token`: the OAuth2 client-credentials grant of personalities that use one. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from './auth';
import { BodyError, readTextBody, sendJson } from './http';

/** Answers the token request; returns the violation it amounts to, if any. */
export async function serveToken(req: IncomingMessage, res: ServerResponse, auth: Authenticator): Promise<string | undefined> {
  if (req.method !== 'POST') {
    await sendJson(req, res, 405, { error: 'invalid_request', error_description: 'use POST' }, { Allow: 'POST' });
    return undefined;
  }
  let text: string;
  try {
    text = await readTextBody(req, 64 * 1024);
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    await sendJson(req, res, 400, { error: 'invalid_request', error_description: err.message });
    return 'token-request';
  }
  const answer = auth.token(new URLSearchParams(text), req.headers);
  // Token responses must never be cached by anything in between.
  await sendJson(req, res, answer.status, answer.body, { 'Cache-Control': 'no-store' });
  return answer.violation;
}
