/**
 * Request validation and error replies. Every input (params, query, body) goes through zod here,
 * so a bad request is a 400 that names the field, and a handler only ever sees typed values.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ErrorResponse } from './api-types';
import { scrub } from './scrub';

/** Thrown for a request the dashboard refuses; `statusCode` reaches the client with the message. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const notFound = (message: string) => new HttpError(404, message);

/** Validates one part of a request; the message names the part and the field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, part: 'path' | 'query' | 'body'): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `unknown ${part} parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    const where = issue.path.map(String).join('.');
    return where ? `${where}: ${issue.message}` : issue.message;
  });
  throw badRequest(`invalid ${part}: ${problems.join('; ')}`);
}

/** A whole number from a query string, within bounds. */
export const queryInt = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .optional()
    .transform((v) => v ?? fallback);

export const processName = z.enum(['sync', 'purge', 'reconcile'], { error: 'must be sync, purge or reconcile' });

/** Names as the config allows them (identifiers, resource names). */
export const name = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be a name of letters, digits, _ and -');

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError | Error, request, reply) => {
    const statusCode =
      err instanceof HttpError ? err.statusCode : 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    // Fastify's own 4xx (a body that is not JSON, too large) carry a fine message; 5xx are logged
    // and their text scrubbed, because driver errors may quote a URL.
    // 503 is Temporal being away, said on every poll while it lasts: not worth a log line each.
    if (statusCode >= 500 && statusCode !== 503) request.log.error({ err }, 'request failed');
    const body: ErrorResponse = { statusCode, error: scrub(err.message) };
    void reply.status(statusCode).send(body);
  });
}
