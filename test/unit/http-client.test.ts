import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../activities/source/http';
import { SourceRateLimited, SourceResponseInvalid, SourceUnavailable } from '../../activities/source/errors';

/** Answers `/<name>` with the body registered under that name (gzipped when asked). */
const bodies: Record<string, { status?: number; body: string; raw?: boolean; headers?: Record<string, string> }> = {
  ok: {
    body: JSON.stringify({ '@odata.count': 2, value: [{ ListingKey: 'A' }, { ListingKey: 'B' }], '@odata.nextLink': 'http://x/next' }),
  },
  last: { body: JSON.stringify({ value: [] }) },
  garbled: { body: '{"value": [{"ListingKey": "A"' },
  'not-collection': { body: JSON.stringify({ error: 'nope' }) },
  'scalar-entry': { body: JSON.stringify({ value: [{ ListingKey: 'A' }, 42] }) },
  'array-entry': { body: JSON.stringify({ value: [['A']] }) },
  'bad-count': { body: JSON.stringify({ value: [], '@odata.count': -1 }) },
  limited: { status: 429, body: '', headers: { 'retry-after': '3' } },
  // Says gzip, is not: the status must still decide the error.
  'unavailable-garbage': { status: 503, body: 'down', raw: true, headers: { 'content-encoding': 'gzip' } },
  // A 200 whose body does not decompress.
  'ok-garbage': { body: 'not gzip at all', raw: true, headers: { 'content-encoding': 'gzip' } },
};

describe('source HTTP client: OData collection pages', () => {
  let server: Server;
  let base: string;
  const client = createHttpClient({ auth: { header: async () => undefined, invalidate: () => false }, timeoutMs: 5000 });

  beforeAll(async () => {
    server = createServer((req, res) => {
      const entry = bodies[(req.url ?? '/').slice(1)];
      if (!entry) return void res.writeHead(404).end();
      const gzip = !entry.raw && String(req.headers['accept-encoding']).includes('gzip');
      const payload = gzip ? gzipSync(entry.body) : Buffer.from(entry.body);
      res.writeHead(entry.status ?? 200, {
        'content-type': 'application/json',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        ...entry.headers,
      });
      res.end(payload);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('returns the records, the count, the nextLink and the size on the wire', async () => {
    const page = await client.getCollection(`${base}/ok`);
    expect(page.records).toEqual([{ ListingKey: 'A' }, { ListingKey: 'B' }]);
    expect(page.count).toBe(2);
    expect(page.nextLink).toBe('http://x/next');
    expect(page.bytes).toBeGreaterThan(0);
    expect(await client.getCollection(`${base}/last`)).toMatchObject({ records: [], count: null, nextLink: null });
  });

  it.each([
    ['garbled', /returned invalid JSON/],
    ['not-collection', /not an OData collection: has no "value" array of objects/],
    ['scalar-entry', /not an OData collection: has a "value" entry that is not an object/],
    ['array-entry', /not an OData collection: has a "value" entry that is not an object/],
    ['bad-count', /not an OData collection/],
  ])('refuses a %s body with a clear, typed error', async (name, message) => {
    const err = await client.getCollection(`${base}/${name}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceResponseInvalid);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(`/${name}`);
  });

  it('keeps the status of an error whose body does not decompress, and refuses a 200 whose body does not', async () => {
    const down = await client.getCollection(`${base}/unavailable-garbage`).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(SourceUnavailable);
    expect((down as Error).message).toContain('answered 503');
    const garbage = await client.getCollection(`${base}/ok-garbage`).catch((e: unknown) => e);
    expect(garbage).toBeInstanceOf(SourceResponseInvalid);
    expect((garbage as Error).message).toMatch(/returned a body that does not decompress/);
  });

  it('turns a 429 into SourceRateLimited carrying Retry-After', async () => {
    const err = await client.getCollection(`${base}/limited`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceRateLimited);
    expect((err as SourceRateLimited).retryAfterMs).toBe(3000);
  });
});
