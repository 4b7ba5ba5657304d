import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../simulator/server';
import type { SimulatorHandle } from '../../simulator/server';

type Row = { ListingKey: string; ModificationTimestamp: string };

describe('simulator key-only scans at 100k records', () => {
  let sim: SimulatorHandle;

  beforeAll(async () => {
    sim = await startSimulator({ records: 100_000, seed: 99, port: 0 });
  });

  afterAll(async () => {
    await sim.close();
  });

  it('streams every key once, in (timestamp, key) order, through nextLinks', async () => {
    const started = performance.now();
    const rows: Row[] = [];
    let url: string | undefined = `${sim.url}/Property?$select=ListingKey,ModificationTimestamp&$count=true`;
    let count: number | undefined;
    let pages = 0;
    while (url) {
      const res: Response = await fetch(url, { headers: { Prefer: 'odata.maxpagesize=10000', 'Accept-Encoding': 'gzip' } });
      const body = (await res.json()) as { value: Row[]; '@odata.count': number; '@odata.nextLink'?: string };
      count ??= body['@odata.count'];
      rows.push(...body.value);
      url = body['@odata.nextLink'];
      pages++;
    }
    console.log(`100k key scan via nextLinks: ${pages} pages in ${Math.round(performance.now() - started)} ms`);
    expect(count).toBe(100_000);
    expect(rows.length).toBe(100_000);
    expect(new Set(rows.map((r) => r.ListingKey)).size).toBe(100_000);
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1] as Row;
      const b = rows[i] as Row;
      const ordered =
        a.ModificationTimestamp < b.ModificationTimestamp ||
        (a.ModificationTimestamp === b.ModificationTimestamp && a.ListingKey < b.ListingKey);
      if (!ordered) throw new Error(`out of order at ${i}: ${JSON.stringify(a)} then ${JSON.stringify(b)}`);
    }
  });

  it('streams every key once through keyset windows', async () => {
    const started = performance.now();
    const upper = new Date(Date.now() + 60_000).toISOString();
    const keys: string[] = [];
    let after: Row | undefined;
    for (;;) {
      const window = after
        ? `(ModificationTimestamp gt ${after.ModificationTimestamp} or (ModificationTimestamp eq ${after.ModificationTimestamp} and ListingKey gt '${after.ListingKey}')) and ModificationTimestamp le ${upper}`
        : `ModificationTimestamp le ${upper}`;
      const url = `${sim.url}/Property?$filter=${encodeURIComponent(window)}&$select=ListingKey,ModificationTimestamp&$orderby=ModificationTimestamp,ListingKey&$top=5000`;
      const res = await fetch(url, { headers: { Prefer: 'odata.maxpagesize=5000' } });
      const body = (await res.json()) as { value: Row[] };
      keys.push(...body.value.map((r) => r.ListingKey));
      if (body.value.length < 5000) break;
      after = body.value.at(-1);
    }
    console.log(`100k key scan via keyset: ${Math.round(performance.now() - started)} ms`);
    expect(keys.length).toBe(100_000);
    expect(new Set(keys).size).toBe(100_000);
  });
});
