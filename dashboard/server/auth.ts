/**
 * Who may change things. On a loopback address the dashboard is as private as the machine, so
 * reads and writes are open; bound to anything else, every mutating call needs the bearer token
 * from $RESYNC_DASHBOARD_TOKEN, and the server refuses to start without one.
 *
 * Mutations also demand a JSON body. A page on another site can make a browser send a simple
 * form POST to 127.0.0.1 without asking, but not an `application/json` one (that needs a CORS
 * preflight, which this server never grants), so a stray tab cannot pause a schedule.
 */
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http';

export const TOKEN_ENV = 'RESYNC_DASHBOARD_TOKEN';

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

export class DashboardTokenMissing extends Error {
  override readonly name = 'DashboardTokenMissing';
}

/** The token mutations need on this host, or null when none is needed; throws when one is needed but unset. */
export function requiredToken(host: string, token: string | undefined): string | null {
  if (isLoopback(host)) return null;
  if (!token || token.length < 16) {
    throw new DashboardTokenMissing(
      `the dashboard is bound to ${host}, which other machines can reach: set ${TOKEN_ENV} to a secret of at least 16 characters ` +
        '(mutating calls then need "Authorization: Bearer <token>"), or bind it to 127.0.0.1',
    );
  }
  return token;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function installMutationGuard(app: FastifyInstance, token: string | null): void {
  const expected = token ? Buffer.from(token) : null;
  app.addHook('onRequest', async (request) => {
    if (!MUTATING.has(request.method)) return;
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'send mutating requests with Content-Type: application/json');
    if (!expected) return;
    const header = request.headers.authorization ?? '';
    const given = Buffer.from(header.replace(/^Bearer\s+/i, ''));
    if (!/^Bearer\s+/i.test(header) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HttpError(
        401,
        `this dashboard is reachable from the network: send "Authorization: Bearer <token>" (the value of ${TOKEN_ENV})`,
      );
    }
  });
}
