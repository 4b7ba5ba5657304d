/**
 * Each simulator personality enforces its platform's rules: a request that breaks one is refused
 * and counted as a violation with a reason; limits of the server's own (expired links and tokens,
 * too-deep skips) are refused without blaming the client. Probed over HTTP, one rule at a time.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { TOKEN_PATH } from '../../simulator/auth';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../simulator/server';
import { defaultToken } from '../../simulator/personalities/common';
import { PERSONALITY_NAMES, type PersonalityName } from '../../simulator/personalities/registry';

type Body = Record<string, unknown> & { value?: Record<string, unknown>[]; error?: { code: string } };

const open: SimulatorHandle[] = [];

async function sim(personality: PersonalityName, extra: Partial<SimulatorOptions> = {}): Promise<SimulatorHandle> {
  const handle = await startSimulator({ records: 300, seed: 4, port: 0, personality, ...extra });
  open.push(handle);
  return handle;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

const bearer = (name: PersonalityName) => ({ authorization: `Bearer ${defaultToken(name)}` });

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Body; headers: Headers }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text.startsWith('{') ? JSON.parse(text) : { text }) as Body };
}

function q(base: string, params: Record<string, string>): string {
  return `${base}?${Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&')}`;
}

const OSN = "OriginatingSystemName eq 'actris'";
const WINDOW = 'ModificationTimestamp le 2999-01-01T00:00:00Z';

describe('every personality', () => {
  it('is registered and offered by `resync simulator --personality`', () => {
    expect(PERSONALITY_NAMES).toEqual(['generic', 'trestle', 'mlsgrid', 'bridge', 'spark', 'utahrealestate', 'rmls']);
    const cli = readFileSync(new URL('../../worker/cli.ts', import.meta.url), 'utf8');
    expect(cli).toContain(`.choices([${PERSONALITY_NAMES.map((n) => `'${n}'`).join(', ')}])`);
  });

  it('refuses requests without the right static token', async () => {
    for (const name of ['mlsgrid', 'bridge', 'spark', 'utahrealestate', 'rmls'] as const) {
      const s = await sim(name, { records: 5 });
      expect((await get(`${s.url}/$metadata`)).status, name).toBe(401);
      expect((await get(`${s.url}/$metadata`, { authorization: 'Bearer nope' })).status, name).toBe(401);
      expect((await get(`${s.url}/$metadata`, bearer(name))).status, name).toBe(200);
      expect(s.stats.violationsByReason, name).toEqual({ 'auth-missing': 1, 'auth-invalid': 1 });
    }
  });
});

describe('trestle', () => {
  const creds = { clientId: 'c1', clientSecret: 's1' };

  async function token(s: SimulatorHandle, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${s.origin}${TOKEN_PATH}`, { method: 'POST', body: new URLSearchParams(form) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('issues expiring client-credentials tokens and refuses bad credentials, unknown and expired tokens', async () => {
    const s = await sim('trestle', { personalityOptions: { ...creds, tokenTtlMs: 300 } });
    const grant = { grant_type: 'client_credentials', client_id: 'c1', scope: 'api' };
    expect((await token(s, { ...grant, client_secret: 'wrong' })).status).toBe(401);
    expect((await token(s, { ...grant, client_secret: 's1', scope: 'other' })).status).toBe(400);
    const ok = await token(s, { ...grant, client_secret: 's1' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 1 });
    const auth = { authorization: `Bearer ${String(ok.body.access_token)}` };
    expect((await get(`${s.url}/$metadata`, auth)).status).toBe(200);
    expect((await get(`${s.url}/$metadata`, { authorization: 'Bearer forged' })).status).toBe(401);
    await new Promise((r) => setTimeout(r, 350));
    const expired = await get(`${s.url}/$metadata`, auth);
    expect(expired.status).toBe(401);
    expect(expired.body.error?.code).toBe('token-expired');
    expect(s.stats.violationsByReason).toEqual({ 'auth-invalid-client': 1, 'token-scope': 1, 'auth-invalid': 1 });
    // An expired token is not the client's fault.
    expect(s.stats.refusalsByReason).toEqual({ 'token-expired': 1 });
    expect(s.issuedTokens()).toEqual([ok.body.access_token]);
  });

  async function authed(s: SimulatorHandle) {
    const ok = await token(s, { grant_type: 'client_credentials', client_id: 'c1', client_secret: 's1', scope: 'api' });
    return { authorization: `Bearer ${String(ok.body.access_token)}` };
  }

  it('caps $top at 1,000, or 300,000 selecting keys only on replication=true', async () => {
    const s = await sim('trestle', { personalityOptions: creds });
    const auth = await authed(s);
    const p = `${s.url}/Property`;
    expect((await get(q(p, { $top: '1001' }), auth)).status).toBe(400);
    expect((await get(q(p, { $top: '5000', $select: 'ListingKey' }), auth)).status).toBe(400);
    expect((await get(q(p, { $top: '5000', $select: 'ListingKey,ModificationTimestamp', replication: 'true' }), auth)).status).toBe(200);
    expect((await get(q(p, { $top: '5000', $select: 'ListingKey,ListPrice', replication: 'true' }), auth)).status).toBe(400);
    expect((await get(q(p, { $top: '300001', $select: 'ListingKey', replication: 'true' }), auth)).status).toBe(400);
    expect(s.stats.violationsByReason).toEqual({ 'top-over-cap': 4 });
    expect(s.stats.recentViolations.map((v) => v.message).join(' ')).toMatch(/when selecting keys only/);
  });

  it('treats $top as the page size on replication=true; elsewhere paging deep is refused', async () => {
    const s = await sim('trestle', { personalityOptions: { ...creds, nonReplicationRecords: 100 } });
    const auth = await authed(s);
    const rep = await get(q(`${s.url}/Property`, { $top: '100', $select: 'ListingKey', replication: 'true' }), auth);
    expect(rep.body.value).toHaveLength(100);
    expect(rep.body['@odata.nextLink']).toMatch(/replication=true/);
    // Without replication=true, $top caps the total (standard OData) …
    const plain = await get(q(`${s.url}/Property`, { $top: '100', $select: 'ListingKey' }), auth);
    expect(plain.body['@odata.nextLink']).toBeUndefined();
    // … and following server-driven pages past the limit is a violation.
    let next: string | undefined = `${s.url}/Property?$select=ListingKey`;
    let status = 200;
    while (next && status === 200) {
      const page = await get(next, { ...auth, prefer: 'odata.maxpagesize=50' });
      status = page.status;
      next = page.body['@odata.nextLink'] as string | undefined;
    }
    expect(status).toBe(400);
    expect(s.stats.violationsByReason).toEqual({ 'replication-required': 1 });
  });

  it('expires replication nextLinks left idle, without blaming the client', async () => {
    const s = await sim('trestle', { personalityOptions: { ...creds, nextLinkIdleMs: 200 } });
    const auth = await authed(s);
    const first = await get(q(`${s.url}/Property`, { $top: '50', replication: 'true', $select: 'ListingKey' }), auth);
    const link = first.body['@odata.nextLink'] as string;
    expect((await get(link, auth)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const stale = await get(link, auth);
    expect(stale.status).toBe(400);
    expect(stale.body.error?.code).toBe('nextlink-expired');
    expect(s.stats.violations).toBe(0);
    expect(s.stats.refusalsByReason).toEqual({ 'nextlink-expired': 1 });
  });

  it('sends its quota headers and answers 429 with Retry-After when the minute quota is spent', async () => {
    const s = await sim('trestle', { personalityOptions: { ...creds, rateLimits: { perMinute: 2, perHour: 100 } } });
    const auth = await authed(s);
    const a = await get(`${s.url}/$metadata`, auth);
    expect(a.headers.get('minute-quota-limit')).toBe('2');
    expect(a.headers.get('hour-quota-limit')).toBe('100');
    expect(Date.parse(a.headers.get('hour-quota-resettime') ?? '')).toBeGreaterThan(Date.now());
    await get(`${s.url}/$metadata`, auth);
    const refused = await get(`${s.url}/$metadata`, auth);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    expect(s.stats.violationsByReason).toEqual({ 'rate-limit': 1 });
  });
});

describe('mlsgrid', () => {
  const auth = bearer('mlsgrid');
  let current: SimulatorHandle;
  const filter = (f: string) => q(`${current.url}/Property`, { $filter: f });

  it('requires exactly one bare OriginatingSystemName clause with its own value', async () => {
    current = await sim('mlsgrid', { personalityOptions: { rateLimits: {} } });
    const cases: Array<[string, number, string?]> = [
      [WINDOW, 400, 'required-filter-missing'],
      [`${OSN} and ${OSN}`, 400, 'required-filter-doubled'],
      [`(${OSN}) and ${WINDOW}`, 400, 'required-filter-parenthesised'],
      [`(${OSN} and ${WINDOW})`, 400, 'required-filter-parenthesised'],
      [`${OSN} or ${WINDOW}`, 400, 'required-filter-parenthesised'],
      ["OriginatingSystemName eq 'other'", 400, 'required-filter-value'],
      ["OriginatingSystemName ne 'actris'", 400, 'required-filter-form'],
      [`${OSN} and ${WINDOW}`, 200],
      [`${WINDOW} and ${OSN} and (ListPrice gt 0 or ListPrice eq null)`, 200],
    ];
    for (const [f, status, reason] of cases) {
      const res = await get(filter(f), auth);
      expect(res.status, f).toBe(status);
      if (reason) expect(res.body.error?.code, f).toBe(reason);
    }
    expect((await get(`${current.url}/Property`, auth)).status).toBe(400);
    expect(current.stats.violations).toBe(8);
  });

  it('refuses $orderby, $select inside $expand, and $top over 5,000 (1,000 with $expand)', async () => {
    current = await sim('mlsgrid', { personalityOptions: { rateLimits: {} } });
    const p = `${current.url}/Property`;
    expect((await get(q(p, { $filter: OSN, $orderby: 'ModificationTimestamp' }), auth)).status).toBe(400);
    expect((await get(q(p, { $filter: OSN, $top: '5001' }), auth)).status).toBe(400);
    expect((await get(q(p, { $filter: OSN, $top: '1001', $expand: 'Media' }), auth)).status).toBe(400);
    expect((await get(q(p, { $filter: OSN, $top: '10', $expand: 'Media($select=MediaKey)' }), auth)).status).toBe(400);
    expect((await get(q(p, { $filter: OSN, $top: '1000', $expand: 'Media' }), auth)).status).toBe(200);
    expect(current.stats.violationsByReason).toEqual({ 'orderby-not-allowed': 1, 'top-over-cap': 2, 'select-inside-expand': 1 });
  });

  it('serves ACT keys and MlgCanView, pages with $skip and refuses skips deeper than its limit', async () => {
    current = await sim('mlsgrid', { personalityOptions: { rateLimits: {}, deepSkipLimit: 200 } });
    const first = await get(q(`${current.url}/Property`, { $filter: OSN, $top: '100', $select: 'ListingKey,MlgCanView' }), auth);
    expect(first.body.value?.[0]).toEqual({ ListingKey: expect.stringMatching(/^ACT\d{9}$/), MlgCanView: true });
    const link = first.body['@odata.nextLink'] as string;
    expect(link).toMatch(/\$skip=100/);
    expect((await get(link.replace('$skip=100', '$skip=200'), auth)).status).toBe(200);
    const deep = await get(link.replace('$skip=100', '$skip=201'), auth);
    expect(deep.status).toBe(400);
    expect(deep.body.error?.code).toBe('skip-too-deep');
    expect(current.stats.violations).toBe(0);
    expect(current.stats.refusalsByReason).toEqual({ 'skip-too-deep': 1 });
    expect((await get(`${current.url}/$metadata`, auth)).body.text).toContain('<Property Name="MlgCanView" Type="Edm.Boolean"/>');
  });

  it('keeps deleted records in the feed as MlgCanView=false until their retention ends', async () => {
    current = await sim('mlsgrid', { personalityOptions: { rateLimits: {}, tombstoneRetentionMs: 60_000 } });
    const gone = current.dataset.liveKeys().slice(0, 3);
    const removed = current.dataset.remove(gone);
    const since = `ModificationTimestamp ge ${removed.timestamp}`;
    const feed = await get(q(`${current.url}/Property`, { $filter: `${OSN} and ${since}`, $select: 'ListingKey,MlgCanView' }), auth);
    expect(feed.body.value).toEqual(gone.map((k) => ({ ListingKey: k, MlgCanView: false })));
    const live = await get(q(`${current.url}/Property`, { $filter: `${OSN} and MlgCanView eq true and ${since}` }), auth);
    expect(live.body.value).toEqual([]);
    const all = await get(q(`${current.url}/Property`, { $filter: `${OSN} and MlgCanView eq true`, $select: 'ListingKey' }), auth);
    expect(all.body.value).toHaveLength(297);
    // Past the retention, the tombstones leave the feed.
    const clock = await sim('mlsgrid', { personalityOptions: { rateLimits: {}, tombstoneRetentionMs: 100 } });
    clock.dataset.remove(clock.dataset.liveKeys().slice(0, 2));
    expect(clock.dataset.tombstoneKeys()).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 150));
    const after = await get(q(`${clock.url}/Property`, { $filter: `${OSN} and MlgCanView eq false` }), auth);
    expect(after.body.value).toEqual([]);
    expect(clock.dataset.tombstoneKeys()).toEqual([]);
  });

  it('allows 2 requests a second: the third gets 429 with Retry-After and counts', async () => {
    current = await sim('mlsgrid');
    await get(`${current.url}/$metadata`, auth);
    await get(`${current.url}/$metadata`, auth);
    const third = await get(`${current.url}/$metadata`, auth);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(current.stats.violationsByReason).toEqual({ 'rate-limit': 1 });
  });
});

describe('bridge', () => {
  const auth = bearer('bridge');

  it('serves /replication with $top up to 2,000, no $orderby, and a trailing empty page', async () => {
    const s = await sim('bridge');
    const rep = `${s.url}/Property/replication`;
    expect((await get(q(rep, { $top: '2001' }), auth)).status).toBe(400);
    expect((await get(q(rep, { $orderby: 'ListingKey' }), auth)).status).toBe(400);
    expect((await get(q(`${s.url}/Property`, { $top: '201' }), auth)).status).toBe(400);
    expect((await get(q(`${s.url}/Property`, { $top: '200', $orderby: 'ListingKey' }), auth)).status).toBe(200);
    expect((await get(`${s.url}/Property%2Freplication`, auth)).status).toBe(404);
    const sizes: number[] = [];
    let next: string | undefined = q(rep, { $top: '150', $select: 'ListingKey' });
    while (next) {
      const page = await get(next, auth);
      sizes.push(page.body.value?.length ?? -1);
      next = page.body['@odata.nextLink'] as string | undefined;
    }
    expect(sizes).toEqual([150, 150, 0]);
    expect(s.stats.violationsByReason).toEqual({ 'top-over-cap': 2, 'orderby-not-allowed': 1 });
  });

  it('announces its burst quota and refuses past it', async () => {
    const s = await sim('bridge', { personalityOptions: { rateLimits: { perMinute: 2, perHour: 30 } } });
    const a = await get(`${s.url}/$metadata`, auth);
    expect([a.headers.get('burst-ratelimit-limit'), a.headers.get('burst-ratelimit-remaining')]).toEqual(['2', '1']);
    const b = await get(`${s.url}/$metadata`, auth);
    expect(b.headers.get('burst-ratelimit-remaining')).toBe('0');
    expect(Number(b.headers.get('burst-ratelimit-reset'))).toBeGreaterThan(50);
    const c = await get(`${s.url}/$metadata`, auth);
    expect(c.status).toBe(429);
    expect(s.stats.violationsByReason).toEqual({ 'rate-limit': 1 });
  });

  it('expands 10 children unless $top is given inside the $expand', async () => {
    const s = await sim('bridge', { mediaPerRecord: 12 });
    const page = await get(q(`${s.url}/Property`, { $top: '1', $expand: 'Media', $select: 'ListingKey' }), auth);
    expect((page.body.value?.[0]?.Media as unknown[]).length).toBe(10);
    const all = await get(q(`${s.url}/Property`, { $top: '1', $expand: 'Media($top=12)', $select: 'ListingKey' }), auth);
    expect((all.body.value?.[0]?.Media as unknown[]).length).toBe(12);
  });
});

describe('spark', () => {
  it('pages by $skiptoken with $top ≤ 1,000 and refuses $orderby', async () => {
    const s = await sim('spark');
    const auth = bearer('spark');
    expect((await get(q(`${s.url}/Property`, { $top: '1001' }), auth)).status).toBe(400);
    expect((await get(q(`${s.url}/Property`, { $orderby: 'ModificationTimestamp' }), auth)).status).toBe(400);
    const page = await get(q(`${s.url}/Property`, { $top: '100', $select: 'ListingKey' }), auth);
    expect(page.body['@odata.nextLink']).toMatch(/\$skiptoken=/);
    expect(s.stats.violationsByReason).toEqual({ 'top-over-cap': 1, 'orderby-not-allowed': 1 });
  });
});

describe('typed enum literals (utahrealestate, rmls)', () => {
  for (const name of ['utahrealestate', 'rmls'] as const) {
    it(`${name}: refuses plain strings for enum fields, accepts typed literals`, async () => {
      const s = await sim(name);
      const auth = bearer(name);
      const p = `${s.url}/Property`;
      expect((await get(q(p, { $filter: "StandardStatus eq 'Active'" }), auth)).status).toBe(400);
      expect((await get(q(p, { $filter: "'Active' eq StandardStatus" }), auth)).status).toBe(400);
      expect((await get(q(p, { $filter: "City eq 'Active'" }), auth)).status).toBe(200);
      const typed = await get(q(p, { $filter: "StandardStatus eq Odata.Models.StandardStatus'Active'", $select: 'StandardStatus' }), auth);
      expect(typed.status).toBe(200);
      expect(typed.body.value?.every((r) => r.StandardStatus === 'Active')).toBe(true);
      expect(s.stats.violationsByReason).toEqual({ 'untyped-enum-literal': 2 });
    });
  }

  it('utahrealestate caps $top at 200', async () => {
    const s = await sim('utahrealestate');
    expect((await get(q(`${s.url}/Property`, { $top: '201' }), bearer('utahrealestate'))).status).toBe(400);
  });
});

describe('rmls', () => {
  it("refuses an upper-case OR and 'in', and URLs over ~5,200 characters", async () => {
    const s = await sim('rmls');
    const auth = bearer('rmls');
    const p = `${s.url}/Property`;
    expect((await get(q(p, { $filter: "ListingKey eq 'A' OR ListingKey eq 'B'" }), auth)).body.error?.code).toBe('uppercase-or');
    expect((await get(q(p, { $filter: "City eq 'OR'" }), auth)).status).toBe(200);
    expect((await get(q(p, { $filter: "ListingKey in ('A','B')" }), auth)).body.error?.code).toBe('in-not-supported');
    expect((await get(q(p, { $filter: "ListingKey eq 'A' or ListingKey eq 'B'" }), auth)).status).toBe(200);
    const long = Array.from({ length: 180 }, (_, i) => `ListingKey eq 'L${String(i).padStart(9, '0')}'`).join(' or ');
    expect((await get(q(p, { $filter: long }), auth)).status).toBe(414);
    expect(s.stats.violationsByReason).toEqual({ 'uppercase-or': 1, 'in-not-supported': 1, 'url-too-long': 1 });
  });
});

describe('fault injection', () => {
  it('injects 5xx, resets, truncated and invalid JSON for the next N requests, by option or admin call', async () => {
    const s = await sim('generic', { faults: [{ kind: '5xx', count: 2 }] });
    const url = `${s.url}/Property?$top=1`;
    expect((await get(url)).status).toBe(503);
    expect((await get(url)).status).toBe(503);
    expect((await get(url)).status).toBe(200);
    const admin = async (path: string, body: unknown) =>
      (await fetch(`${s.origin}/admin/${path}`, { method: 'POST', body: JSON.stringify(body) })).json() as Promise<Record<string, unknown>>;
    await admin('faults', { faults: [{ kind: 'truncated' }, { kind: 'invalid-json' }, { kind: 'reset' }] });
    const truncated = await fetch(url);
    expect(truncated.status).toBe(200);
    await expect(truncated.json()).rejects.toThrow();
    const invalid = await fetch(url);
    await expect(invalid.json()).rejects.toThrow();
    await expect(fetch(url)).rejects.toThrow();
    expect((await get(url)).status).toBe(200);
    expect(s.stats.faults).toEqual({ '5xx': 2, truncated: 1, 'invalid-json': 1, reset: 1 });
    expect(s.stats.violations).toBe(0);
    expect((await admin('faults', { kind: 'nope' })).error).toBeDefined();
  });

  it('answers 429 with Retry-After, delays slow answers, and applies ratio faults deterministically', async () => {
    const s = await sim('generic');
    s.faults.add({ kind: '429', retryAfterSeconds: 2 });
    const limited = await get(`${s.url}/$metadata`);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    s.faults.add({ kind: 'slow', delayMs: 300 });
    const started = Date.now();
    expect((await get(`${s.url}/$metadata`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    const pattern = async (seed: number) => {
      const t = await sim('generic', { faultSeed: seed, faults: [{ kind: '5xx', ratio: 0.5 }] });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await get(`${t.url}/$metadata`)).status);
      return statuses;
    };
    const a = await pattern(7);
    expect(a).toEqual(await pattern(7));
    expect(a).toContain(503);
    expect(a).toContain(200);
  });

  it('leaves a hung request unanswered until the client gives up', async () => {
    const s = await sim('generic', { faults: [{ kind: 'hang', match: '$metadata' }] });
    await expect(fetch(`${s.url}/$metadata`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect((await get(`${s.url}/$metadata`)).status).toBe(200);
  });

  it('expires OAuth2 tokens on demand; a static token fails that one request', async () => {
    const s = await sim('trestle', { personalityOptions: { clientId: 'c', clientSecret: 's' } });
    const res = await fetch(`${s.origin}${TOKEN_PATH}`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's', scope: 'api' }),
    });
    const auth = { authorization: `Bearer ${String(((await res.json()) as Record<string, unknown>).access_token)}` };
    s.faults.add({ kind: 'expire-token' });
    expect((await get(`${s.url}/$metadata`, auth)).status).toBe(401);
    expect((await get(`${s.url}/$metadata`, auth)).status).toBe(401);
    const b = await sim('spark', { faults: [{ kind: 'expire-token' }] });
    expect((await get(`${b.url}/$metadata`, bearer('spark'))).status).toBe(401);
    expect((await get(`${b.url}/$metadata`, bearer('spark'))).status).toBe(200);
    expect(b.stats.violations).toBe(0);
  });
});
