/**
 * Sending documents and deletes to a core. Adds go through the tolerant update processor, so a
 * document Solr refuses comes back as an error naming its id while the rest of the batch lands;
 * deletes of children go by query on the parent key, each value quoted and escaped.
 */
import type { SolrHttp } from './http';
import type { SolrDocument } from './documents';
import { anyOf, chunks, TERMS_PER_QUERY } from './query';
import { TOLERANT_PROCESSOR } from './schema';

/** Bytes of JSON per update request: big pages are split, far below any server limit. */
const REQUEST_BYTES = 8 * 1024 * 1024;

export interface Visibility {
  /** `commitWithin` in ms, when the destination uses it instead of a soft commit per page. */
  commitWithinMs?: number;
}

function visibilityParams(visibility: Visibility): Record<string, number> {
  return visibility.commitWithinMs !== undefined ? { commitWithin: visibility.commitWithinMs } : {};
}

/** Solr's refusal of one document: its id and Solr's message. */
export interface DocumentError {
  id: string;
  message: string;
}

/** Adds (replaces) documents; returns the documents Solr refused, the others are in. */
export async function addDocuments(http: SolrHttp, core: string, docs: SolrDocument[], visibility: Visibility): Promise<DocumentError[]> {
  const errors: DocumentError[] = [];
  let batch: string[] = [];
  let bytes = 0;
  const send = async () => {
    if (batch.length === 0) return;
    const body = await http.request(`/${core}/update`, {
      params: { processor: TOLERANT_PROCESSOR, ...visibilityParams(visibility) },
      jsonText: `[${batch.join(',')}]`,
    });
    const header = body.responseHeader as { errors?: { type?: string; id?: unknown; message?: unknown }[] } | undefined;
    for (const e of header?.errors ?? []) {
      errors.push({ id: String(e.id), message: typeof e.message === 'string' ? e.message : JSON.stringify(e) });
    }
    batch = [];
    bytes = 0;
  };
  for (const doc of docs) {
    const json = JSON.stringify(doc);
    if (bytes + json.length > REQUEST_BYTES) await send();
    batch.push(json);
    bytes += json.length;
  }
  await send();
  return errors;
}

/** Deletes documents by id (no query syntax involved, so no escaping needed). */
export async function deleteByIds(http: SolrHttp, core: string, ids: string[], visibility: Visibility): Promise<void> {
  for (const chunk of chunks(ids, 1000)) {
    await http.request(`/${core}/update`, { params: visibilityParams(visibility), json: { delete: chunk } });
  }
}

/** Deletes the documents whose `field` holds any of `values` (a child core's parent key). */
export async function deleteWhereAnyOf(
  http: SolrHttp,
  core: string,
  field: string,
  values: string[],
  visibility: Visibility,
): Promise<void> {
  for (const chunk of chunks(values, TERMS_PER_QUERY)) {
    await http.request(`/${core}/update`, { params: visibilityParams(visibility), json: { delete: { query: anyOf(field, chunk) } } });
  }
}

/** Makes everything sent so far visible to searches (soft) or durable and visible (hard). */
export async function commit(http: SolrHttp, core: string, kind: 'soft' | 'hard'): Promise<void> {
  await http.request(`/${core}/update`, {
    params: { commit: true, waitSearcher: true, ...(kind === 'soft' ? { softCommit: true } : { openSearcher: true }) },
    json: [],
  });
}

/** The field Solr names in a per-document error ("Error adding field 'X'='…'"), if any. */
export function fieldOfError(message: string): string | null {
  return /Error adding field '([^']+)'/.exec(message)?.[1] ?? /immense term in field="([^"]+)"/.exec(message)?.[1] ?? null;
}
