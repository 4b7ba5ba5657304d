/**
 * The one place the Solr destination talks HTTP, through got like the MLS client: a timeout on
 * every request, no retries of its own (Temporal's retry policy owns them), JSON in and out, and
 * every failure turned into a typed error carrying Solr's own message.
 */
import got, { RequestError } from 'got';
import { SolrRequestFailed, SolrUnavailable } from './errors';

export interface SolrRequest {
  method?: 'GET' | 'POST';
  /** Query parameters; arrays repeat the parameter (`id=a&id=b`). */
  params?: Record<string, string | number | boolean | (string | number)[]>;
  /** A JSON body (sent as application/json). */
  json?: unknown;
  /** A body already serialised as JSON (update commands with repeated keys). */
  jsonText?: string;
  /** Form parameters sent in the body (long id lists and queries stay out of the URL). */
  form?: Record<string, string | string[]>;
}

export type SolrBody = Record<string, unknown>;

export interface SolrHttp {
  /** `path` relative to the node's base URL, e.g. `/Property/select` or `/admin/cores`. */
  request(path: string, init?: SolrRequest): Promise<SolrBody>;
  readonly baseUrl: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Hides a password in a URL before it reaches a log or an error. */
export function redactSolrUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@/]+)@/, '//$1:***@');
}

function searchParams(params: SolrRequest['params']): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params ?? {})) {
    if (Array.isArray(value)) for (const v of value) query.append(name, String(v));
    else query.append(name, String(value));
  }
  if (!query.has('wt')) query.set('wt', 'json');
  return query;
}

/** Solr's error message from an error body (`{"error":{"msg":…}}`), or the start of the text. */
function solrMessage(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (isRecord(body) && isRecord(body.error) && typeof body.error.msg === 'string') return body.error.msg;
    // Schema API errors list one message per command.
    if (isRecord(body) && isRecord(body.error) && Array.isArray(body.error.details))
      return JSON.stringify(body.error.details).slice(0, 500);
  } catch {
    // not JSON: fall through
  }
  return text.slice(0, 300);
}

export function createSolrHttp(baseUrl: string, timeoutMs = 120_000): SolrHttp {
  const base = baseUrl.trim().replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(base)) throw new SolrRequestFailed(`not a Solr base URL: ${JSON.stringify(redactSolrUrl(baseUrl))}`, 0);
  return {
    baseUrl: base,
    async request(path, init = {}) {
      const url = `${base}${path}`;
      const method = init.method ?? (init.json !== undefined || init.jsonText !== undefined || init.form ? 'POST' : 'GET');
      let body: string | undefined;
      let contentType: string | undefined;
      if (init.json !== undefined || init.jsonText !== undefined) {
        body = init.jsonText ?? JSON.stringify(init.json);
        contentType = 'application/json';
      } else if (init.form) {
        const form = new URLSearchParams();
        for (const [name, value] of Object.entries(init.form)) {
          for (const v of Array.isArray(value) ? value : [value]) form.append(name, v);
        }
        body = form.toString();
        contentType = 'application/x-www-form-urlencoded';
      }
      let response;
      try {
        response = await got(url, {
          method,
          searchParams: searchParams(init.params),
          ...(body === undefined ? {} : { body, headers: { 'content-type': contentType! } }),
          timeout: { request: timeoutMs },
          retry: { limit: 0 },
          throwHttpErrors: false,
        });
      } catch (err) {
        const code = err instanceof RequestError ? err.code : undefined;
        throw new SolrUnavailable(`Solr request ${method} ${redactSolrUrl(url)} failed: ${code ?? (err as Error).message}`);
      }
      if (response.statusCode < 200 || response.statusCode >= 300) {
        const what = `Solr ${method} ${redactSolrUrl(base)}${path} answered ${response.statusCode}: ${solrMessage(response.body)}`;
        // 502/503/504: the node (or a proxy before it) is not serving; 500 is Solr refusing this request.
        if (response.statusCode > 500) throw new SolrUnavailable(what);
        throw new SolrRequestFailed(what, response.statusCode);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(response.body);
      } catch {
        throw new SolrRequestFailed(
          `Solr ${method} ${redactSolrUrl(base)}${path} answered something that is not JSON`,
          response.statusCode,
        );
      }
      if (!isRecord(parsed))
        throw new SolrRequestFailed(
          `Solr ${method} ${redactSolrUrl(base)}${path} answered JSON that is not an object`,
          response.statusCode,
        );
      return parsed;
    },
  };
}
