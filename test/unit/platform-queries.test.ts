/**
 * Query building per platform: ID lists within each platform's URL budget (and accepted by its
 * simulator personality), `$filter` composition that keeps MLS Grid's required clause bare,
 * typed enum literals, quoting of `'`, page sizes, and request spacing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseEdmx } from '../../activities/source/metadata';
import { typeEnumLiterals } from '../../activities/source/filter-literals';
import { requiredClauses } from '../../activities/source/paging';
import { keysetFilter } from '../../activities/source/query';
import { pageSizeFor, platformFor, PLATFORM_NAMES, type PlatformName } from '../../activities/source/platforms';
import { buildResourceUrl, composeFilter, enumLiteral, idListFilters, quoteString } from '../../activities/source/query';
import { SendSpacing } from '../../activities/source/send-spacing';
import { userFilterFor } from '../../activities/source/user-filter';
import type { SourceConfig } from '../../config';
import { TOKEN_PATH } from '../../simulator/auth';
import { metadataXml } from '../../simulator/fields';
import { parseFilter } from '../../simulator/odata/filter';
import { defaultToken } from '../../simulator/personalities/common';
import { requiredEquality } from '../../simulator/personalities/rules';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';

const mlsgridSource = { originatingSystemName: 'actris' } as SourceConfig;

describe('ID-list chunking (idListFilters)', () => {
  const sims: SimulatorHandle[] = [];
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });

  async function authFor(name: PlatformName, sim: SimulatorHandle): Promise<Record<string, string>> {
    if (name === 'generic') return {};
    if (name !== 'trestle') return { authorization: `Bearer ${defaultToken(name)}` };
    const res = await fetch(`${sim.origin}${TOKEN_PATH}`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's', scope: 'api' }),
    });
    return { authorization: `Bearer ${String(((await res.json()) as { access_token: string }).access_token)}` };
  }

  it.each(PLATFORM_NAMES)('%s: every key once, each URL within the budget, accepted by the platform', async (name) => {
    const platform = platformFor(name);
    const sim = await startSimulator({
      records: 900,
      seed: 1,
      port: 0,
      personality: name,
      personalityOptions: { rateLimits: {}, clientId: 'c', clientSecret: 's' },
    });
    sims.push(sim);
    const keys = sim.dataset.liveKeys().filter((_, i) => i % 2 === 0);
    const required = platform.requiredFilter?.(mlsgridSource);
    const top = Math.min(keys.length, platform.pageSize.max);
    const urlFor = (idFilter: string) =>
      buildResourceUrl(sim.url, platform.resourcePath('Property'), {
        filter: composeFilter({ required, window: [idFilter] }),
        select: ['ListingKey'],
        top,
      });
    const filters = idListFilters({
      keyField: 'ListingKey',
      keys,
      numericKey: false,
      style: platform.idList.style,
      maxUrlLength: platform.idList.maxUrlLength,
      baseUrlLength: urlFor('').length + 16,
      maxKeys: top,
    });
    expect(filters.length).toBeGreaterThan(1);
    const auth = await authFor(name, sim);
    const got: string[] = [];
    for (const filter of filters) {
      if (platform.idList.style === 'or') expect(filter).not.toMatch(/\b(OR| in )\b/);
      let url: string | undefined = urlFor(filter);
      // As sent: the URL parser's encoding must not make it longer than counted.
      expect(new URL(url).href).toBe(url);
      expect(url.length).toBeLessThanOrEqual(platform.idList.maxUrlLength);
      while (url) {
        const res = await fetch(url, { headers: auth });
        const body = (await res.json()) as { value: { ListingKey: string }[]; '@odata.nextLink'?: string };
        expect(res.status, JSON.stringify(body)).toBe(200);
        got.push(...body.value.map((r) => r.ListingKey));
        url = body['@odata.nextLink'];
      }
    }
    expect(sim.stats.violations, JSON.stringify(sim.stats.recentViolations)).toBe(0);
    expect(got.sort()).toEqual(keys);
  });

  it("quotes keys with ' and refuses a key that alone exceeds the budget", () => {
    const [filter] = idListFilters({
      keyField: 'K',
      keys: ["A'B", 'C'],
      numericKey: false,
      style: 'or',
      maxUrlLength: 500,
      baseUrlLength: 50,
    });
    expect(filter).toBe("K eq 'A''B' or K eq 'C'");
    const [inList] = idListFilters({ keyField: 'K', keys: ["A'B"], numericKey: false, style: 'in', maxUrlLength: 500, baseUrlLength: 50 });
    expect(inList).toBe("K in ('A''B')");
    expect(() =>
      idListFilters({ keyField: 'K', keys: ['x'.repeat(500)], numericKey: false, style: 'in', maxUrlLength: 300, baseUrlLength: 50 }),
    ).toThrow(/alone exceeds/);
  });
});

describe('$filter composition with the MLS Grid rule', () => {
  const mlsgrid = platformFor('mlsgrid');
  const required = mlsgrid.requiredFilter!(mlsgridSource);
  const rule = (filter: string) => requiredEquality(parseFilter(filter), 'OriginatingSystemName', 'actris');
  const window = 'ModificationTimestamp le 2024-05-01T00:00:00Z';

  it('keeps the required clause bare and single with any user filter and window', () => {
    const keyset = keysetFilter({
      cursorField: 'ModificationTimestamp',
      keyField: 'ListingKey',
      numericKey: false,
      after: { timestamp: '2024-04-01T00:00:00Z', key: 'ACT1' },
      upperBound: '2024-05-01T00:00:00Z',
    });
    const filters = [
      composeFilter({ required, window: [window] })!,
      composeFilter({ required, user: "City eq 'A' or City eq 'B'", window: ['ModificationTimestamp ge 2024-04-01T00:00:00Z', window] })!,
      composeFilter({ required, user: "StandardStatus eq 'Active'", window: [keyset] })!,
      composeFilter({ required: requiredClauses({ platform: mlsgrid, requiredFilter: required, liveOnly: true }), window: [window] })!,
    ];
    for (const f of filters) expect(rule(f), f).toBeUndefined();
    expect(filters[1]).toBe(
      "OriginatingSystemName eq 'actris' and (City eq 'A' or City eq 'B') and ModificationTimestamp ge 2024-04-01T00:00:00Z and " + window,
    );
    expect(filters[3]).toBe(`OriginatingSystemName eq 'actris' and MlgCanView eq true and ${window}`);
  });

  it('the rule itself catches what a careless composition would send', () => {
    expect(rule(`(${required}) and ${window}`)?.violation).toBe('required-filter-parenthesised');
    expect(rule(`${required} and ${required}`)?.violation).toBe('required-filter-doubled');
    expect(rule(window)?.violation).toBe('required-filter-missing');
  });

  it("quotes the system name's apostrophes", () => {
    expect(mlsgrid.requiredFilter!({ originatingSystemName: "o'mls" } as SourceConfig)).toBe("OriginatingSystemName eq 'o''mls'");
    expect(quoteString("O'Brien")).toBe("'O''Brien'");
  });

  it('asks for live records only when told, and only where the platform has a delete signal', () => {
    expect(requiredClauses({ platform: mlsgrid, requiredFilter: required, liveOnly: false })).toBe(required);
    expect(requiredClauses({ platform: platformFor('trestle'), liveOnly: true })).toBeUndefined();
  });
});

describe('typed enum literals', () => {
  const types: Record<string, string> = { StandardStatus: 'StandardStatus', PropertyType: 'PropertyType' };
  const typed = (f: string) => typeEnumLiterals(f, (field) => (types[field] ? { namespace: 'Ns', name: types[field] } : undefined));

  it('types the literals compared with enum fields, and nothing else', () => {
    expect(enumLiteral('typed', 'Ns', 'StandardStatus', "O'Brien")).toBe("Ns.StandardStatus'O''Brien'");
    expect(typed("StandardStatus eq 'Active'")).toBe("StandardStatus eq Ns.StandardStatus'Active'");
    expect(typed("'Active' ne StandardStatus")).toBe("Ns.StandardStatus'Active' ne StandardStatus");
    expect(typed("StandardStatus in ('Active', 'Pending')")).toBe(
      "StandardStatus in (Ns.StandardStatus'Active', Ns.StandardStatus'Pending')",
    );
    expect(typed("City eq 'Active' and StandardStatus eq 'A''B'")).toBe("City eq 'Active' and StandardStatus eq Ns.StandardStatus'A''B'");
    expect(typed("(PropertyType eq 'Land' or City eq 'x') and ListPrice gt 5")).toBe(
      "(PropertyType eq Ns.PropertyType'Land' or City eq 'x') and ListPrice gt 5",
    );
    expect(typed("StandardStatus eq Other.StandardStatus'Active'")).toBe("StandardStatus eq Other.StandardStatus'Active'");
    expect(typed("City eq 'StandardStatus eq ''x'''")).toBe("City eq 'StandardStatus eq ''x'''");
  });

  it("uses $metadata's enum types on platforms that want typed literals, and leaves others alone", () => {
    const model = parseEdmx(metadataXml());
    const entity = model.entityTypes.Property!;
    const filter = "StandardStatus eq 'Active'";
    expect(userFilterFor(platformFor('utahrealestate'), { entity, model }, filter)).toBe(
      "StandardStatus eq org.reso.metadata.enums.StandardStatus'Active'",
    );
    expect(userFilterFor(platformFor('rmls'), { entity, model }, filter)).toContain("enums.StandardStatus'Active'");
    expect(userFilterFor(platformFor('trestle'), { entity, model }, filter)).toBe(filter);
    expect(userFilterFor(platformFor('rmls'), { entity, model }, undefined)).toBeUndefined();
  });
});

describe('page sizes', () => {
  it("stays within the platform's cap for full records, $expand and key-only requests", () => {
    const trestle = platformFor('trestle');
    expect(pageSizeFor(trestle, { keyOnly: true })).toBe(300_000);
    expect(pageSizeFor(trestle, { requested: 5000 })).toBe(1000);
    expect(pageSizeFor(platformFor('mlsgrid'), { requested: 5000, expand: true })).toBe(1000);
    expect(pageSizeFor(platformFor('utahrealestate'), { keyOnly: true, requested: 10_000 })).toBe(200);
    expect(pageSizeFor(platformFor('bridge'), {})).toBe(2000);
  });
});

describe('request spacing', () => {
  it('lets no more than the limit leave within a window, measured from when requests were written', async () => {
    let now = 1_000_000;
    const spacing = new SendSpacing({ perSecond: 2 }, () => now);
    const a = await spacing.reserve();
    a.sent(now + 40); // held back 40 ms between its slot and the socket
    const b = await spacing.reserve();
    b.sent(now);
    // The third must wait for the first to leave the window, counted from its real send time.
    const third = spacing.reserve();
    let done = false;
    void third.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    now += 1000 + 40 + 50;
    await third;
    expect(done).toBe(true);
  });

  it('reads a fractional limit as one request per longer window', async () => {
    let now = 5_000_000;
    const spacing = new SendSpacing({ perSecond: 0.5 }, () => now);
    (await spacing.reserve()).sent(now);
    let done = false;
    const next = spacing.reserve().then(() => (done = true));
    now += 1500;
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    now += 600;
    await next;
    expect(done).toBe(true);
  });
});
