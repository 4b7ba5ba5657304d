import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
