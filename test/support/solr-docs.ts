/** Reading a Solr core in integration tests, and comparing its documents with MLS records. */
import { expect } from 'vitest';

const DATE_ONLY = /^\d{4}-\d\d-\d\d$/;
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

export interface SolrDoc extends Record<string, unknown> {
  id: string;
}

export async function solrGet<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Documents in a core (committed ones: what a search sees). */
export async function solrCount(solrUrl: string, core: string): Promise<number> {
  return (await solrGet<{ response: { numFound: number } }>(`${solrUrl}/${core}/select?q=*:*&rows=0`)).response.numFound;
}

/** Every id of a core, sorted. */
export async function solrIds(solrUrl: string, core: string): Promise<string[]> {
  const body = await solrGet<{ response: { docs: { id: string }[] } }>(`${solrUrl}/${core}/select?q=*:*&fl=id&sort=id+asc&rows=100000`);
  return body.response.docs.map((d) => d.id);
}

/** Ids per real-time get: the ids travel in the URL, which Jetty caps at 8 KB. */
const IDS_PER_GET = 100;

/** Documents by id (real-time get), any number of them. */
export async function solrDocs(solrUrl: string, core: string, ids: string[]): Promise<SolrDoc[]> {
  const docs: SolrDoc[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_GET) {
    const chunk = ids.slice(i, i + IDS_PER_GET).map(encodeURIComponent);
    docs.push(...(await solrGet<{ response: { docs: SolrDoc[] } }>(`${solrUrl}/${core}/get?ids=${chunk.join(',')}`)).response.docs);
  }
  return docs;
}

/**
 * What Solr must hold for one MLS value: absent for null and empty collections, dates as UTC
 * instants (a Date at midnight), everything else as the MLS sent it.
 */
export function expectSameSolrValue(field: string, mls: unknown, stored: unknown): void {
  const where = `field ${field}`;
  if (mls === null || (Array.isArray(mls) && mls.length === 0)) {
    expect(stored, where).toBeUndefined();
  } else if (typeof mls === 'string' && DATE_ONLY.test(mls)) {
    expect(stored, where).toBe(`${mls}T00:00:00Z`);
  } else if (typeof mls === 'string' && INSTANT.test(mls)) {
    expect(typeof stored === 'string' && stored.endsWith('Z'), `${where} in UTC`).toBe(true);
    expect(Date.parse(stored as string), where).toBe(Date.parse(mls));
  } else {
    expect(stored, where).toEqual(mls);
  }
}

/** The documents of `keys` against the MLS's records, field by field. */
export async function expectSolrMatchesMls(
  solrUrl: string,
  core: string,
  keys: string[],
  record: (key: string) => Record<string, unknown> | undefined,
): Promise<void> {
  const docs = new Map((await solrDocs(solrUrl, core, keys)).map((d) => [d.id, d]));
  for (const key of keys) {
    const doc = docs.get(key);
    expect(doc, `Solr document ${key}`).toBeDefined();
    for (const [field, value] of Object.entries(record(key)!)) expectSameSolrValue(field, value, doc![field]);
  }
}
