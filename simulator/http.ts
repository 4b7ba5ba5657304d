/** Small helpers for answering over node:http: JSON/XML bodies, gzip when asked, request bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (!header) return false;
  return String(header)
    .split(',')
    .some((part) => {
      const [coding, ...params] = part.trim().split(';');
      if (coding?.trim().toLowerCase() !== 'gzip') return false;
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return q === undefined || Number(q.slice(2)) > 0;
    });
}

export async function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  headers: Record<string, string> = {},
): Promise<void> {
  let payload: Buffer = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const out: Record<string, string | number> = { 'Content-Type': contentType, Vary: 'Accept-Encoding', ...headers };
  if (acceptsGzip(req)) {
    // Fastest level: the simulator is also benchmark load, and any gzip decoder reads it.
    payload = await gzipAsync(payload, { level: constants.Z_BEST_SPEED });
    out['Content-Encoding'] = 'gzip';
  }
  out['Content-Length'] = payload.length;
  res.writeHead(status, out);
  res.end(req.method === 'HEAD' ? undefined : payload);
}

/** A body gzipped ahead of time (engine/rendered.ts), for a request that accepts gzip. */
export function sendGzipped(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  gzipped: Buffer,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    Vary: 'Accept-Encoding',
    ...headers,
    'Content-Encoding': 'gzip',
    'Content-Length': gzipped.length,
  });
  res.end(req.method === 'HEAD' ? undefined : gzipped);
}

export const JSON_TYPE = 'application/json; odata.metadata=minimal; charset=utf-8';

export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): Promise<void> {
  return sendJsonText(req, res, status, JSON.stringify(value), headers);
}

/** An OData JSON body that is already serialised (or assembled from serialised parts). */
export function sendJsonText(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  json: string | Buffer,
  headers: Record<string, string> = {},
): Promise<void> {
  return send(req, res, status, json, JSON_TYPE, { 'OData-Version': '4.0', ...headers });
}

export class BodyError extends Error {
  override readonly name = 'BodyError';
}

/** Reads a request body as UTF-8 text. */
export async function readTextBody(req: IncomingMessage, limitBytes = 20 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new BodyError(`request body exceeds ${limitBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads and parses a JSON request body (empty body → `{}`). */
export async function readJsonBody(req: IncomingMessage, limitBytes = 20 * 1024 * 1024): Promise<unknown> {
  const text = (await readTextBody(req, limitBytes)).trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError('request body is not valid JSON');
  }
}
