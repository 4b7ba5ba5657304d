import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';

type Row = Record<string, unknown>;
interface Page {
  value: Row[];
  next?: string;
}

async function page(url: string): Promise<Page> {
  const res = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { value: Row[]; '@odata.nextLink'?: string };
  return { value: body.value, ...(body['@odata.nextLink'] ? { next: body['@odata.nextLink'] } : {}) };
}

/** The answer's bytes as sent (no decoding), and its headers. */
function get(url: string, headers: Record<string, string>): Promise<{ body: Buffer; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ body: Buffer.concat(chunks), headers: res.headers }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('simulator: records rendered ahead (benchmarks)', () => {
  let plain: SimulatorHandle;
  let rendered: SimulatorHandle;

  beforeAll(async () => {
    // One anchor for both: the same data even when they start on either side of midnight.
    const options = { records: 300, seed: 7, port: 0, pageSize: 100, mediaPerRecord: 3, anchor: '2026-01-01T00:00:00Z' };
    plain = await startSimulator(options);
    rendered = await startSimulator(options);
    expect(rendered.prerender('Property', { expand: [{ name: 'Media' }] })).toBe(300);
  });

  afterAll(async () => {
    await plain.close();
    await rendered.close();
  });

  it('serves the same pages as a simulator that renders on demand, from the cache', async () => {
    const path = '/Property?$expand=Media&$orderby=ModificationTimestamp,ListingKey&$count=true';
    let a: string | undefined = `${plain.url}${path}`;
    let b: string | undefined = `${rendered.url}${path}`;
    let rows = 0;
    while (a && b) {
      const [pa, pb]: [Page, Page] = await Promise.all([page(a), page(b)]);
      // MediaURLs name each simulator's own image host: equal but for the origin.
      const unhosted = (rows: Row[], origin: string) => JSON.parse(JSON.stringify(rows).replaceAll(origin, 'ORIGIN')) as Row[];
      expect(unhosted(pb.value, rendered.origin)).toEqual(unhosted(pa.value, plain.origin));
      rows += pb.value.length;
      a = pa.next;
      b = pb.next;
      expect(Boolean(a)).toBe(Boolean(b));
    }
    expect(rows).toBe(300);
    expect(rendered.prerenderedServed()).toBe(300);
  });

  it('renders other projections on demand', async () => {
    const before = rendered.prerenderedServed();
    const { value } = await page(`${rendered.url}/Property?$select=ListingKey,ListPrice&$top=5`);
    expect(Object.keys(value[0]!).sort()).toEqual(['ListPrice', 'ListingKey']);
    expect((await page(`${rendered.url}/Property?$top=5`)).value[0]).not.toHaveProperty('Media');
    expect(rendered.prerenderedServed()).toBe(before);
  });

  it('answers gzip from records gzipped ahead (one member each) with the same bytes as the plain answer', async () => {
    const url = `${rendered.url}/Property?$expand=Media&$orderby=ModificationTimestamp,ListingKey&$top=20`;
    const plainAnswer = await get(url, {});
    const gzipped = await get(url, { 'accept-encoding': 'gzip' });
    expect(plainAnswer.headers['content-encoding']).toBeUndefined();
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    // 1 + 20 records + 19 commas + 1 closing member, each starting with the gzip magic bytes.
    const members = gzipped.body.toString('latin1').split('\x1f\x8b\x08').length - 1;
    expect(members).toBeGreaterThanOrEqual(41);
    expect(gunzipSync(gzipped.body).equals(plainAnswer.body)).toBe(true);
    expect((JSON.parse(plainAnswer.body.toString()) as { value: unknown[] }).value).toHaveLength(20);
  });

  it('stops serving rendered records once the dataset changes', async () => {
    const key = rendered.dataset.liveKeys()[0]!;
    rendered.dataset.touch([key]);
    const before = rendered.prerenderedServed();
    const filter = `$filter=${encodeURIComponent(`ListingKey eq '${key}'`)}&$expand=Media`;
    const fresh = await page(`${rendered.url}/Property?${filter}`);
    // The record as it is now (its new timestamp included), rendered on demand.
    const now = { ...rendered.dataset.getRecord(key)!, Media: rendered.dataset.getMedia(key) };
    expect(fresh.value).toEqual([JSON.parse(JSON.stringify(now))]);
    expect(rendered.prerenderedServed()).toBe(before);
  });
});
