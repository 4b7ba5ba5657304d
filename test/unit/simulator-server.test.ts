import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../simulator/server';
import type { SimulatorHandle } from '../../simulator/server';
import { generic } from '../../simulator/personalities/generic';

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

type Row = Record<string, unknown>;

async function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text },
  };
}

async function post(url: string, body: unknown): Promise<Reply> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** Follows nextLinks from `url`, returning every record and every page's size. */
async function collect(url: string, headers: Record<string, string> = {}): Promise<{ rows: Row[]; pages: number[]; first: Reply }> {
  const rows: Row[] = [];
  const pages: number[] = [];
  let next: string | undefined = url;
  let first: Reply | undefined;
  while (next) {
    const reply = await get(next, headers);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    first ??= reply;
    const value = reply.body.value as Row[];
    rows.push(...value);
    pages.push(value.length);
    next = reply.body['@odata.nextLink'] as string | undefined;
    if (pages.length > 10_000) throw new Error('nextLinks do not end');
  }
  return { rows, pages, first: first as Reply };
}

function q(path: string, params: Record<string, string>): string {
  return `${path}?${Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&')}`;
}

const keysOf = (rows: Row[]) => rows.map((r) => r.ListingKey as string);

describe('simulator server (generic personality)', () => {
  let sim: SimulatorHandle;

  beforeAll(async () => {
    sim = await startSimulator({ records: 2500, seed: 21, port: 0, pageSize: 100, maxTop: 2000 });
  });

  afterAll(async () => {
    await sim.close();
  });

  beforeEach(() => sim.resetStats());

  it('serves $metadata as XML with the Property and Media entity types', async () => {
    const res = await fetch(`${sim.url}/$metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    const xml = await res.text();
    expect(xml).toContain('<EntityType Name="Property">');
    expect(xml).toContain('<EntitySet Name="Media"');
  });

  it('treats $top as a cap on the total: $top=200 returns 200 records and no nextLink when 200 fit a page', async () => {
    const big = await startSimulator({ records: 500, seed: 1, port: 0 });
    try {
      const reply = await get(`${big.url}/Property?$top=200&$select=ListingKey`);
      expect((reply.body.value as Row[]).length).toBe(200);
      expect(reply.body['@odata.nextLink']).toBeUndefined();
    } finally {
      await big.close();
    }
  });

  it('pages a $top larger than the page size and stops exactly at $top', async () => {
    const { rows, pages } = await collect(`${sim.url}/Property?$top=250&$select=ListingKey`);
    expect(pages).toEqual([100, 100, 50]);
    expect(new Set(keysOf(rows)).size).toBe(250);
  });

  it('follows odata.maxpagesize nextLinks to exactly the filtered count', async () => {
    const filter = "StandardStatus eq 'Active' and ModificationTimestamp ge 1970-01-01T00:00:00Z";
    const { rows, pages, first } = await collect(
      q(`${sim.url}/Property`, { $filter: filter, $select: 'ListingKey,StandardStatus', $count: 'true' }),
      {
        Prefer: 'odata.maxpagesize=37',
      },
    );
    expect(first.headers.get('preference-applied')).toBe('odata.maxpagesize=37');
    const expected = sim.dataset.liveKeys().filter((k) => sim.dataset.getRecord(k)?.StandardStatus === 'Active');
    expect(first.body['@odata.count']).toBe(expected.length);
    expect(rows.length).toBe(expected.length);
    expect(new Set(keysOf(rows))).toEqual(new Set(expected));
    expect(pages.slice(0, -1).every((n) => n === 37)).toBe(true);
    expect(rows.every((r) => r.StandardStatus === 'Active' && Object.keys(r).length === 2)).toBe(true);
  });

  it('reports @odata.count of the whole filtered set whatever $top and $skip say', async () => {
    const reply = await get(q(`${sim.url}/Property`, { $filter: 'BedroomsTotal ge 4', $top: '3', $skip: '5', $count: 'true' }));
    const expected = sim.dataset.liveKeys().filter((k) => (sim.dataset.getRecord(k)?.BedroomsTotal as number) >= 4).length;
    expect(reply.body['@odata.count']).toBe(expected);
    expect((reply.body.value as Row[]).length).toBe(3);
  });

  it('returns only the $select fields and rejects unknown ones with a violation', async () => {
    const ok = await get(`${sim.url}/Property?$select=ListingKey,ListPrice&$top=5`);
    expect((ok.body.value as Row[]).map((r) => Object.keys(r))).toEqual(Array(5).fill(['ListingKey', 'ListPrice']));
    expect(ok.body['@odata.context']).toBe(`${sim.url}/$metadata#Property(ListingKey,ListPrice)`);
    const bad = await get(`${sim.url}/Property?$select=ListingKey,Nope`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid-select', message: expect.stringContaining('Nope') });
    expect(sim.stats.violations).toBe(1);
    expect(sim.stats.violationsByReason).toEqual({ 'invalid-select': 1 });
  });

  it('orders by one or more fields, ascending or descending, across pages', async () => {
    const { rows } = await collect(
      `${sim.url}/Property?$select=ListingKey,ListPrice,BedroomsTotal&$orderby=BedroomsTotal desc,ListPrice&$top=700`,
    );
    expect(rows.length).toBe(700);
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1] as Row;
      const b = rows[i] as Row;
      const bedsA = a.BedroomsTotal as number;
      const bedsB = b.BedroomsTotal as number;
      expect(bedsA > bedsB || (bedsA === bedsB && (a.ListPrice as number) <= (b.ListPrice as number))).toBe(true);
    }
    const desc = await get(`${sim.url}/Property?$select=ListingKey,ModificationTimestamp&$orderby=ModificationTimestamp desc&$top=50`);
    const stamps = (desc.body.value as Row[]).map((r) => r.ModificationTimestamp as string);
    expect(stamps).toEqual([...stamps].sort().reverse());
    const byKey = await get(`${sim.url}/Property?$select=ListingKey&$orderby=ListingKey desc&$top=3`);
    expect(keysOf(byKey.body.value as Row[])).toEqual(['L000002499', 'L000002498', 'L000002497']);
  });

  it('answers the keyset window (ts, key) > (T, K) and ts ≤ U in index order', async () => {
    const all = await collect(`${sim.url}/Property?$select=ListingKey,ModificationTimestamp`, { Prefer: 'odata.maxpagesize=10000' });
    const pivot = all.rows[1000] as Row;
    const upper = all.rows[1500] as Row;
    const T = pivot.ModificationTimestamp as string;
    const filter = `(ModificationTimestamp gt ${T} or (ModificationTimestamp eq ${T} and ListingKey gt '${pivot.ListingKey as string}')) and ModificationTimestamp le ${upper.ModificationTimestamp as string}`;
    const reply = await get(
      q(`${sim.url}/Property`, {
        $filter: filter,
        $select: 'ListingKey,ModificationTimestamp',
        $orderby: 'ModificationTimestamp,ListingKey',
        $top: '1000',
        $count: 'true',
      }),
      { Prefer: 'odata.maxpagesize=1000' },
    );
    const expected = all.rows.slice(1001).filter((r) => (r.ModificationTimestamp as string) <= (upper.ModificationTimestamp as string));
    expect(reply.body['@odata.count']).toBe(expected.length);
    expect(keysOf(reply.body.value as Row[])).toEqual(keysOf(expected));
  });

  it('misses no record when keyset pages cut through a cluster of tied timestamps', async () => {
    const tie = '2024-02-03T04:05:06.789Z';
    const keys = sim.dataset.liveKeys().filter((_, i) => i % 25 === 3);
    sim.dataset.setTimestamp(keys, tie);
    const seen: string[] = [];
    let after: Row | undefined;
    for (;;) {
      const window = after
        ? `ModificationTimestamp gt ${after.ModificationTimestamp as string} or (ModificationTimestamp eq ${after.ModificationTimestamp as string} and ListingKey gt '${after.ListingKey as string}')`
        : 'ModificationTimestamp ge 2024-02-03T04:05:06.789Z';
      const reply = await get(
        q(`${sim.url}/Property`, {
          $filter: `(${window}) and ModificationTimestamp le 2024-02-03T04:05:06.7890000Z`,
          $select: 'ListingKey,ModificationTimestamp',
          $orderby: 'ModificationTimestamp asc,ListingKey asc',
          $top: '7',
        }),
      );
      const page = reply.body.value as Row[];
      seen.push(...keysOf(page));
      if (page.length < 7) break;
      after = page.at(-1);
    }
    expect(seen).toEqual(keys);
  });

  it('answers windows on PhotosChangeTimestamp in its own order or in the default order', async () => {
    const all = sim.dataset.liveKeys().map((k) => ({
      key: k,
      photos: sim.dataset.getRecord(k)?.PhotosChangeTimestamp as string,
      modified: sim.dataset.getRecord(k)?.ModificationTimestamp as string,
    }));
    const byPhotos = [...all].sort((a, b) => (a.photos < b.photos ? -1 : a.photos > b.photos ? 1 : a.key < b.key ? -1 : 1));
    const pivot = byPhotos[2000] as { key: string; photos: string };
    const expected = byPhotos.slice(2001);
    const filter = `PhotosChangeTimestamp gt ${pivot.photos} or (PhotosChangeTimestamp eq ${pivot.photos} and ListingKey gt '${pivot.key}')`;
    const ordered = await collect(
      q(`${sim.url}/Property`, { $filter: filter, $select: 'ListingKey', $orderby: 'PhotosChangeTimestamp,ListingKey' }),
      {
        Prefer: 'odata.maxpagesize=150',
      },
    );
    expect(keysOf(ordered.rows)).toEqual(expected.map((r) => r.key));
    const defaultOrder = await collect(q(`${sim.url}/Property`, { $filter: filter, $select: 'ListingKey,ModificationTimestamp' }));
    const stamps = defaultOrder.rows.map((r) => `${r.ModificationTimestamp as string} ${r.ListingKey as string}`);
    expect(stamps).toEqual([...stamps].sort());
    expect(new Set(keysOf(defaultOrder.rows))).toEqual(new Set(expected.map((r) => r.key)));
  });

  it('rejects $top over the cap with an OData error and counts the violation', async () => {
    const reply = await get(`${sim.url}/Property?$top=2001`);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: { code: 'top-over-cap', message: expect.stringMatching(/2001.*2000/) } });
    expect(sim.stats.violations).toBe(1);
    expect(sim.stats.recentViolations[0]).toMatchObject({ reason: 'top-over-cap', url: '/odata/Property?$top=2001' });
    expect((await get(`${sim.url}/Property?$top=2000&$select=ListingKey`)).status).toBe(200);
    expect(sim.stats.violations).toBe(1);
  });

  it('rejects a malformed $filter naming the position, and counts it', async () => {
    const reply = await get(q(`${sim.url}/Property`, { $filter: "City eq 'Riverton' and ListPrice gtt 5" }));
    expect(reply.status).toBe(400);
    expect((reply.body.error as Row).message).toMatch(/position 33/);
    const typeError = await get(q(`${sim.url}/Property`, { $filter: "ModificationTimestamp gt '2024-01-01T00:00:00Z'" }));
    expect(typeError.status).toBe(400);
    expect((typeError.body.error as Row).message).toMatch(/unquoted/);
    expect(sim.stats.violationsByReason).toEqual({ 'invalid-filter': 2 });
  });

  it('rejects unknown system query options and bad $skiptokens', async () => {
    expect((await get(`${sim.url}/Property?$apply=groupby((City))`)).status).toBe(400);
    expect((await get(`${sim.url}/Property?$skiptoken=garbage`)).status).toBe(400);
    expect(sim.stats.violations).toBe(2);
  });

  it('gzips the body when the client accepts gzip', async () => {
    const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      const req = request(`${sim.url}/Property?$top=20`, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(raw.encoding).toBe('gzip');
    const body = JSON.parse(gunzipSync(raw.body).toString('utf8')) as Row;
    expect((body.value as Row[]).length).toBe(20);
    const plain = await new Promise<string | undefined>((resolve, reject) => {
      request(`${sim.url}/Property?$top=1`, (res) => {
        res.resume();
        resolve(res.headers['content-encoding']);
      })
        .on('error', reject)
        .end();
    });
    expect(plain).toBeUndefined();
  });

  it('expands Media inline, with $select and $top inside', async () => {
    const reply = await get(`${sim.url}/Property?$top=3&$select=ListingKey&$expand=Media($select=MediaKey,ResourceRecordKey,Order;$top=2)`);
    for (const row of reply.body.value as Row[]) {
      expect(row.Media).toEqual([
        { MediaKey: `${row.ListingKey as string}-M1`, ResourceRecordKey: row.ListingKey, Order: 1 },
        { MediaKey: `${row.ListingKey as string}-M2`, ResourceRecordKey: row.ListingKey, Order: 2 },
      ]);
    }
    const full = await get(`${sim.url}/Property?$top=1&$expand=Media`);
    expect(((full.body.value as Row[])[0]?.Media as Row[]).length).toBe(5);
    expect((await get(`${sim.url}/Property?$expand=Rooms`)).status).toBe(400);
  });

  it('serves one record by key, and 404 for an unknown or deleted key', async () => {
    const reply = await get(`${sim.url}/Property('L000000042')`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ '@odata.context': `${sim.url}/$metadata#Property/$entity`, ListingKey: 'L000000042' });
    expect(reply.body.ListPrice).toBe(sim.dataset.getRecord('L000000042')?.ListPrice);
    expect((await get(`${sim.url}/Property('L999999999')`)).status).toBe(404);
    sim.dataset.remove(['L000000043']);
    expect((await get(`${sim.url}/Property('L000000043')`)).status).toBe(404);
    const media = await get(`${sim.url}/Media('L000000042-M3')`);
    expect(media.body).toMatchObject({ MediaKey: 'L000000042-M3', Order: 3 });
    expect(sim.stats.violations).toBe(0);
  });

  it('leaves deleted records out of collections and counts', async () => {
    const before = (await get(`${sim.url}/Property?$top=0&$count=true`)).body['@odata.count'] as number;
    sim.dataset.remove(['L000000100', 'L000000101']);
    const after = await get(
      q(`${sim.url}/Property`, { $filter: "ListingKey in ('L000000100', 'L000000101', 'L000000102')", $count: 'true' }),
    );
    expect(after.body['@odata.count']).toBe(1);
    expect((await get(`${sim.url}/Property?$top=0&$count=true`)).body['@odata.count']).toBe(before - 2);
  });

  it('neither skips nor repeats records in a nextLink scan while earlier records are deleted and touched', async () => {
    const url = `${sim.url}/Property?$select=ListingKey,ModificationTimestamp&$count=true`;
    const first = await get(url, { Prefer: 'odata.maxpagesize=300' });
    const firstPage = keysOf(first.body.value as Row[]);
    const untouched = sim.dataset.liveKeys().filter((k) => !firstPage.includes(k));
    // Records already sent disappear or move to the end; none of the rest may be lost.
    sim.dataset.remove(firstPage.slice(0, 50));
    const touched = firstPage.slice(50, 60);
    sim.dataset.touch(touched);
    const rest = await collect(first.body['@odata.nextLink'] as string, { Prefer: 'odata.maxpagesize=300' });
    const restKeys = keysOf(rest.rows);
    expect(new Set(restKeys).size).toBe(restKeys.length);
    expect(restKeys.filter((k) => !touched.includes(k)).sort()).toEqual(untouched.sort());
    expect(restKeys.slice(-10)).toEqual(touched);
  });

  it('serves Media in (ModificationTimestamp, MediaKey) order and by parent key', async () => {
    const reply = await get(
      q(`${sim.url}/Media`, {
        $filter: "ResourceRecordKey in ('L000000007', 'L000000008')",
        $select: 'MediaKey,ResourceRecordKey',
        $count: 'true',
      }),
    );
    expect(reply.body['@odata.count']).toBe(10);
    const { rows } = await collect(`${sim.url}/Media?$select=MediaKey,ModificationTimestamp&$top=1500`);
    const order = rows.map((r) => `${r.ModificationTimestamp as string} ${r.MediaKey as string}`);
    expect(order).toEqual([...order].sort());
    const count = await get(`${sim.url}/Media?$top=0&$count=true`);
    expect(count.body['@odata.count']).toBe(sim.dataset.liveCount * 5);
  });

  it('keeps request stats: totals, per path, recent URLs', async () => {
    await get(`${sim.url}/Property?$top=1`);
    await get(`${sim.url}/Property('L000000001')`);
    await get(`${sim.url}/$metadata`);
    const stats = sim.stats;
    expect(stats.requests).toBe(3);
    expect(stats.byPath).toEqual({ '/odata/Property': 1, "/odata/Property('…')": 1, '/odata/$metadata': 1 });
    expect(stats.recentRequests).toEqual(['/odata/Property?$top=1', "/odata/Property('L000000001')", '/odata/$metadata']);
  });
});

describe('simulator admin API', () => {
  let sim: SimulatorHandle;
  let admin: string;

  beforeAll(async () => {
    sim = await startSimulator({ records: 300, seed: 4, port: 0 });
    admin = `${sim.origin}/admin`;
  });

  afterAll(async () => {
    await sim.close();
  });

  it('touches by keys or count, and refuses both or neither', async () => {
    const byKeys = await post(`${admin}/touch`, { keys: ['L000000001', 'L000000002'] });
    expect(byKeys.status).toBe(200);
    expect(byKeys.body).toMatchObject({ keys: ['L000000001', 'L000000002'], missing: [], liveCount: 300 });
    const byCount = await post(`${admin}/touch`, { count: 7 });
    expect((byCount.body.keys as string[]).length).toBe(7);
    const both = await post(`${admin}/touch`, { keys: ['L000000001'], count: 1 });
    expect(both.status).toBe(400);
    expect((both.body.error as Row).message).toMatch(/either keys or count/);
    expect((await post(`${admin}/touch`, {})).status).toBe(400);
    expect((await post(`${admin}/touch`, { count: -1 })).status).toBe(400);
  });

  it('deletes, adds and sets timestamps, validating the bodies', async () => {
    expect((await post(`${admin}/delete`, { keys: ['L000000010'] })).body).toMatchObject({ keys: ['L000000010'], liveCount: 299 });
    expect((await post(`${admin}/add`, { count: 3 })).body).toMatchObject({
      keys: ['L000000300', 'L000000301', 'L000000302'],
      liveCount: 302,
    });
    const set = await post(`${admin}/set-timestamp`, { keys: ['L000000020', 'L000000021'], timestamp: '2024-01-01T00:00:00.000Z' });
    expect(set.body).toMatchObject({ keys: ['L000000020', 'L000000021'], timestamp: '2024-01-01T00:00:00.000Z' });
    expect(sim.dataset.getRecord('L000000021')?.ModificationTimestamp).toBe('2024-01-01T00:00:00.000Z');
    const bad = await post(`${admin}/set-timestamp`, { keys: ['L000000020'], timestamp: 'yesterday' });
    expect(bad.status).toBe(400);
    expect((bad.body.error as Row).message).toMatch(/^timestamp: /);
    expect((await post(`${admin}/delete`, { keys: [] })).status).toBe(400);
    expect((await post(`${admin}/add`, { count: 'many' })).status).toBe(400);
    const notJson = await fetch(`${admin}/add`, { method: 'POST', body: '{oops' });
    expect(notJson.status).toBe(400);
  });

  it('lists live keys, reports and resets stats, without counting itself', async () => {
    const keys = await get(`${admin}/keys`);
    expect(keys.body.count).toBe(sim.dataset.liveCount);
    expect(keys.body.keys).toEqual(sim.dataset.liveKeys());
    await get(`${sim.url}/Property?$top=1`);
    await get(`${sim.url}/Property?$top=99999`);
    const stats = await get(`${admin}/stats`);
    expect(stats.body).toMatchObject({ requests: 2, violations: 1, violationsByReason: { 'top-over-cap': 1 } });
    expect((await post(`${admin}/reset-stats`, {})).status).toBe(200);
    expect(sim.stats).toMatchObject({ requests: 0, violations: 0, recentRequests: [] });
    expect((await get(`${admin}/nope`)).status).toBe(404);
    expect((await fetch(`${admin}/touch`)).status).toBe(405);
  });
});

describe('simulator personalities', () => {
  it('can treat $top as the page size and continue with $skip nextLinks (replication style)', async () => {
    const sim = await startSimulator({
      records: 120,
      seed: 2,
      port: 0,
      personality: { ...generic, name: 'replication-test', topSemantics: 'page-size', nextLinkStyle: 'skip', maxTop: 50 },
    });
    try {
      const { rows, pages, first } = await collect(`${sim.url}/Property?$top=50&$select=ListingKey`);
      expect(pages).toEqual([50, 50, 20]);
      expect(new Set(keysOf(rows)).size).toBe(120);
      expect(first.body['@odata.nextLink']).toMatch(/\$skip=50/);
    } finally {
      await sim.close();
    }
  });

  it('rejects $orderby where the personality forbids it, and runs its hooks', async () => {
    const sim = await startSimulator({
      records: 10,
      seed: 2,
      port: 0,
      personality: {
        ...generic,
        name: 'strict-test',
        orderbyAllowed: false,
        hooks: {
          onQuery: (_ctx, query) =>
            query.filterText?.includes("OriginatingSystemName eq 'SIM'")
              ? undefined
              : { status: 400, code: 'missing-filter', message: 'filter on OriginatingSystemName', violation: 'required-filter' },
          responseHeaders: () => ({ 'Minute-Quota-Limit': '180' }),
        },
      },
    });
    try {
      const ordered = await get(`${sim.url}/Property?$orderby=ListPrice&$filter=${encodeURIComponent("OriginatingSystemName eq 'SIM'")}`);
      expect(ordered.status).toBe(400);
      const missing = await get(`${sim.url}/Property`);
      expect(missing.body.error).toMatchObject({ code: 'missing-filter' });
      const ok = await get(`${sim.url}/Property?$filter=${encodeURIComponent("OriginatingSystemName eq 'SIM'")}`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('minute-quota-limit')).toBe('180');
      expect(sim.stats.violationsByReason).toEqual({ 'orderby-not-allowed': 1, 'required-filter': 1 });
    } finally {
      await sim.close();
    }
  });
});
