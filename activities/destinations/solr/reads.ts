/**
 * Reads from a core: real-time get of stored cursors (it sees documents not yet committed, so a
 * page compares against the page before it even under commitWithin), count, the newest cursor,
 * keys in byte order (keyset on `id` for the Destination contract, cursorMark for a full stream),
 * which keys a purge may still delete, and one stored document.
 */
import { parseInstant, toMysqlDatetime } from '../../common/timestamps';
import type { StoredKey } from '../destination';
import { ID_FIELD } from './fields';
import type { SolrHttp } from './http';
import { anyOf, chunks, quoteTerm, TERMS_PER_QUERY } from './query';

type Doc = Record<string, unknown>;

interface DocList {
  numFound: number;
  docs: Doc[];
  nextCursorMark?: string;
}

function docList(body: Record<string, unknown>): DocList {
  const response = body.response as { numFound?: unknown; docs?: unknown } | undefined;
  return {
    numFound: typeof response?.numFound === 'number' ? response.numFound : 0,
    docs: Array.isArray(response?.docs) ? (response.docs as Doc[]) : [],
    ...(typeof body.nextCursorMark === 'string' ? { nextCursorMark: body.nextCursorMark } : {}),
  };
}

async function select(http: SolrHttp, core: string, params: Record<string, string>): Promise<DocList> {
  // POSTed as a form: id lists and escaped queries stay out of the URL's length limit.
  return docList(await http.request(`/${core}/select`, { form: params }));
}

/** Escapes an id for the `ids` parameter of real-time get (comma-separated, backslash escapes). */
function rtgId(id: string): string {
  return id.replace(/[\\,]/g, (c) => `\\${c}`);
}

/** Real-time get of documents by id, stored fields `fl` (always with id). */
export async function getByIds(http: SolrHttp, core: string, ids: string[], fl: string[]): Promise<Map<string, Doc>> {
  const found = new Map<string, Doc>();
  for (const chunk of chunks(ids, TERMS_PER_QUERY)) {
    const body = await http.request(`/${core}/get`, { form: { ids: chunk.map(rtgId).join(','), fl: [ID_FIELD, ...fl].join(',') } });
    for (const doc of docList(body).docs) found.set(String(doc[ID_FIELD]), doc);
  }
  return found;
}

export async function countDocs(http: SolrHttp, core: string, query = '*:*'): Promise<number> {
  return (await select(http, core, { q: query, rows: '0' })).numFound;
}

/** The greatest value of a date field, as Solr prints it (UTC, `Z`); undefined when no document has one. */
export async function newestDate(http: SolrHttp, core: string, field: string): Promise<string | undefined> {
  const { docs } = await select(http, core, { q: `${field}:*`, sort: `${field} desc`, rows: '1', fl: field });
  const value = docs[0]?.[field];
  return typeof value === 'string' ? value : undefined;
}

/** How many documents hold exactly this instant, and the greatest id among them. */
export async function rowsAt(http: SolrHttp, core: string, field: string, instant: string): Promise<{ rows: number; greatestId?: string }> {
  const { numFound, docs } = await select(http, core, {
    q: `${field}:${quoteTerm(instant)}`,
    sort: `${ID_FIELD} desc`,
    rows: '1',
    fl: ID_FIELD,
  });
  const id = docs[0]?.[ID_FIELD];
  return { rows: numFound, ...(typeof id === 'string' ? { greatestId: id } : {}) };
}

/**
 * A stored date as the rest of resync reads stored cursors (`YYYY-MM-DD HH:MM:SS.fff`, UTC, like
 * MySQL's DATETIME text, see activities/keys/order.ts): three digits, what a DatePointField keeps.
 */
export function storedCursorText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const instant = parseInstant(value);
  return instant ? toMysqlDatetime(instant, 3) : null;
}

function storedKeys(docs: Doc[], cursorField: string | null): StoredKey[] {
  return docs.map((d) => ({ key: String(d[ID_FIELD]), cursor: cursorField ? storedCursorText(d[cursorField]) : null }));
}

/** Ids after `after` in byte order (a `string` field sorts by its UTF-8 bytes), with the stored cursor. */
export async function readKeyPage(
  http: SolrHttp,
  core: string,
  cursorField: string | null,
  after: string | null,
  limit: number,
): Promise<StoredKey[]> {
  const { docs } = await select(http, core, {
    q: after === null ? '*:*' : `${ID_FIELD}:{${quoteTerm(after)} TO *]`,
    sort: `${ID_FIELD} asc`,
    rows: String(limit),
    fl: cursorField ? `${ID_FIELD},${cursorField}` : ID_FIELD,
  });
  return storedKeys(docs, cursorField);
}

/**
 * Every stored key in byte order, a page at a time, with Solr's cursorMark (deep paging that costs
 * the same on the last page as on the first, and is stable while documents are added).
 */
export async function* streamKeyPages(
  http: SolrHttp,
  core: string,
  cursorField: string | null,
  pageSize: number,
): AsyncGenerator<StoredKey[]> {
  let mark = '*';
  for (;;) {
    const page = await select(http, core, {
      q: '*:*',
      sort: `${ID_FIELD} asc`,
      rows: String(pageSize),
      fl: cursorField ? `${ID_FIELD},${cursorField}` : ID_FIELD,
      cursorMark: mark,
    });
    if (page.docs.length > 0) yield storedKeys(page.docs, cursorField);
    if (!page.nextCursorMark || page.nextCursorMark === mark) return;
    mark = page.nextCursorMark;
  }
}

/** Of these ids, those stored with a cursor at or before `notAfterSolr` (a Solr instant) or with none. */
export async function idsNotAfter(
  http: SolrHttp,
  core: string,
  cursorField: string | null,
  ids: string[],
  notAfterSolr: string,
): Promise<string[]> {
  const out: string[] = [];
  for (const chunk of chunks(ids, TERMS_PER_QUERY)) {
    const params: Record<string, string> = { q: anyOf(ID_FIELD, chunk), rows: String(chunk.length), fl: ID_FIELD };
    if (cursorField) params.fq = `(*:* -${cursorField}:*) OR ${cursorField}:[* TO ${quoteTerm(notAfterSolr)}]`;
    const { docs } = await select(http, core, params);
    out.push(...docs.map((d) => String(d[ID_FIELD])));
  }
  return out;
}

/** Documents whose `field` equals `value` (a parent's children), sorted by id. */
export async function docsWhere(http: SolrHttp, core: string, field: string, value: string, limit = 10_000): Promise<Doc[]> {
  return (await select(http, core, { q: `${field}:${quoteTerm(value)}`, sort: `${ID_FIELD} asc`, rows: String(limit) })).docs;
}
