/**
 * The OData side of the simulator: service document, `$metadata`, collections with system query
 * options and server-driven paging, and single entities by key. Rule checks raise ODataError;
 * the server turns those into error bodies and violation counts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ODataError, badRequest } from './engine/errors';
import { computePage } from './engine/page';
import type { ResultCache } from './engine/results';
import { gzipMember, projectionSignature, type RenderedRecords } from './engine/rendered';
import type { EntityTable } from './engine/table';
import { validateQuery } from './engine/validate';
import { acceptsGzip, JSON_TYPE, send, sendGzipped, sendJson, sendJsonText } from './http';
import { QueryOptionError, parseQueryOptions, splitQuery } from './odata/query';
import type { ParsedQuery } from './odata/query';
import type { Personality, RequestContext } from './personalities/types';

export interface ODataDeps {
  /** Entity sets of live records. */
  tables: ReadonlyMap<string, EntityTable>;
  /** Entity sets that also serve tombstones, where the platform announces deletions in its feed. */
  feedTables?: ReadonlyMap<string, EntityTable>;
  personality: Personality;
  cache: ResultCache;
  /** The `$metadata` document. */
  metadata: string;
  /** Records rendered ahead of time for a benchmark (see engine/rendered.ts). */
  rendered?: RenderedRecords;
}

/** One OData request being answered. */
export interface ODataCall {
  req: IncomingMessage;
  res: ServerResponse;
  ctx: RequestContext;
  /** `http://host:port/odata`, as the client addressed us. */
  serviceRoot: string;
  headers: Record<string, string>;
  /** The rules in force for this request (the replication endpoint's, when it came through that). */
  personality: Personality;
}

function parseQuery(call: ODataCall): ParsedQuery {
  let query: ParsedQuery;
  try {
    query = parseQueryOptions(splitQuery(call.ctx.url.search));
  } catch (err) {
    if (err instanceof QueryOptionError) throw badRequest(err.reason, err.message);
    throw err;
  }
  const hooks = call.personality.hooks;
  const rejection = hooks?.onQuery?.(call.ctx, query);
  if (rejection) {
    throw new ODataError(rejection.status, rejection.code, rejection.message, rejection.violation, rejection.headers, rejection.refusal);
  }
  return hooks?.rewriteQuery?.(call.ctx, query) ?? query;
}

/** `odata.maxpagesize=N` from a Prefer header, if present and valid. */
export function preferredPageSize(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header.join(',') : header;
  const m = text ? /(?:^|[,;\s])odata\.maxpagesize\s*=\s*"?(\d+)"?/i.exec(text) : null;
  const n = m ? Number(m[1]) : undefined;
  return n !== undefined && n > 0 ? n : undefined;
}

export function project(
  table: EntityTable,
  row: number,
  query: Pick<ParsedQuery, 'select' | 'expand'>,
  personality: Personality,
): Record<string, unknown> {
  const { select, expand } = query;
  const fields = select && !select.includes('*') ? select : undefined;
  const record = table.project(row, fields);
  for (const item of expand ?? []) {
    const nav = table.navigation.get(item.name);
    if (!nav) continue;
    const children = nav.children(row);
    const top = item.top ?? personality.expandDefaultTop;
    const chosen = top === undefined ? children : children.slice(0, top);
    const childFields = item.select && !item.select.includes('*') ? item.select : undefined;
    record[item.name] = chosen.map((child) => nav.target.project(child, childFields));
  }
  return record;
}

function contextUrl(serviceRoot: string, table: EntityTable, select: string[] | undefined, suffix = ''): string {
  const projection = select && !select.includes('*') ? `(${select.join(',')})` : '';
  return `${serviceRoot}/$metadata#${table.name}${projection}${suffix}`;
}

/** The request's own URL with `$skip`/`$skiptoken`/`$top` replaced by the continuation. */
function nextLink(call: ODataCall, replace: Record<string, string | undefined>): string {
  const raw = call.ctx.url.search.replace(/^\?/, '');
  const kept = raw
    .split('&')
    .filter(Boolean)
    .filter((part) => {
      const name = decodeURIComponent(part.split('=')[0]?.replace(/\+/g, ' ') ?? '');
      return !(name in replace) && name !== '$skiptoken';
    });
  for (const [name, value] of Object.entries(replace)) if (value !== undefined) kept.push(`${name}=${encodeURIComponent(value)}`);
  const origin = call.serviceRoot.slice(0, call.serviceRoot.length - '/odata'.length);
  return `${origin}${call.ctx.url.pathname}?${kept.join('&')}`;
}

export async function serveCollection(call: ODataCall, served: EntityTable, deps: ODataDeps): Promise<void> {
  const query = parseQuery(call);
  const table = query.liveOnly ? (deps.tables.get(served.name) ?? served) : served;
  const personality = call.personality;
  validateQuery(table, query, personality);
  const preferred = preferredPageSize(call.req.headers.prefer);
  const page = computePage({
    table,
    query,
    personality,
    preferredPageSize: preferred,
    cache: deps.cache,
    replication: call.ctx.replication === true,
    // Idle time runs from when a page is computed, not from when its request arrived.
    now: Date.now(),
  });
  const body: Record<string, unknown> = { '@odata.context': contextUrl(call.serviceRoot, table, query.select) };
  if (page.count !== undefined) body['@odata.count'] = page.count;
  if (page.next) {
    const { skiptoken, skip, top } = page.next;
    body['@odata.nextLink'] = nextLink(
      call,
      skiptoken !== undefined
        ? { $skip: undefined, $skiptoken: skiptoken }
        : { $skip: String(skip), ...(top !== undefined ? { $top: String(top) } : {}) },
    );
  }
  const headers: Record<string, string> = { ...call.headers };
  if (preferred !== undefined && personality.honorsMaxPageSize) headers['Preference-Applied'] = `odata.maxpagesize=${page.pageSize}`;
  // The body is put together from each record's JSON, so records rendered ahead of time are copied as they are.
  const signature = deps.rendered ? projectionSignature(query, personality.expandDefaultTop) : '';
  const head = `${JSON.stringify(body).slice(0, -1)},"value":[`;
  const members = deps.rendered && acceptsGzip(call.req) ? gzippedRecords(deps.rendered, table, signature, page.rows) : undefined;
  if (members) {
    const value = members.flatMap((record, i) => (i > 0 ? [COMMA_GZIP, record] : [record]));
    await sendGzipped(call.req, call.res, 200, Buffer.concat([gzipMember(head), ...value, CLOSE_GZIP]), JSON_TYPE, {
      'OData-Version': '4.0',
      ...headers,
    });
    return;
  }
  const records = page.rows.map(
    (row) => deps.rendered?.get(table, signature, row) ?? Buffer.from(JSON.stringify(project(table, row, query, personality)), 'utf8'),
  );
  const value = records.flatMap((record, i) => (i > 0 ? [COMMA, record] : [record]));
  await sendJsonText(call.req, call.res, 200, Buffer.concat([Buffer.from(head, 'utf8'), ...value, CLOSE]), headers);
}

const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');
const COMMA_GZIP = gzipMember(',');
const CLOSE_GZIP = gzipMember(']}');

/** Every row's gzip member rendered ahead, or undefined when any row was not (then nothing counts as served). */
function gzippedRecords(rendered: RenderedRecords, table: EntityTable, signature: string, rows: number[]): Buffer[] | undefined {
  const members: Buffer[] = [];
  for (const row of rows) {
    const member = rendered.getGzipped(table, signature, row);
    if (!member) {
      rendered.hits -= members.length;
      return undefined;
    }
    members.push(member);
  }
  return members;
}

/** `'KEY'` or `Field='KEY'` inside `Resource(…)`. */
function parseKeySegment(segment: string, table: EntityTable): string {
  const m = /^(?:([A-Za-z_][A-Za-z0-9_]*)=)?'((?:[^']|'')*)'$/.exec(segment);
  if (!m || (m[1] !== undefined && m[1] !== table.keyField)) {
    throw badRequest('invalid-key', `key segment (${segment}) must be ('value') or (${table.keyField}='value')`);
  }
  return (m[2] as string).replace(/''/g, "'");
}

export async function serveEntity(call: ODataCall, table: EntityTable, segment: string): Promise<void> {
  const key = parseKeySegment(segment, table);
  const query = parseQuery(call);
  const extra = (['filterText', 'orderby', 'top', 'skip', 'skiptoken'] as const).filter((k) => query[k] !== undefined);
  if (extra.length > 0 || query.count) throw badRequest('invalid-option', 'a single entity takes only $select and $expand');
  validateQuery(table, query, call.personality);
  const row = table.rowOfKey(key);
  if (row === undefined) throw new ODataError(404, 'not-found', `${table.name}('${key}') does not exist`);
  const body = {
    '@odata.context': contextUrl(call.serviceRoot, table, query.select, '/$entity'),
    ...project(table, row, query, call.personality),
  };
  await sendJson(call.req, call.res, 200, body, call.headers);
}

export async function serveMetadata(call: ODataCall, deps: ODataDeps): Promise<void> {
  await send(call.req, call.res, 200, deps.metadata, 'application/xml; charset=utf-8', { 'OData-Version': '4.0', ...call.headers });
}

export async function serveServiceDocument(call: ODataCall, deps: ODataDeps): Promise<void> {
  const value = [...deps.tables.keys()].map((name) => ({ name, kind: 'EntitySet', url: name }));
  await sendJson(call.req, call.res, 200, { '@odata.context': `${call.serviceRoot}/$metadata`, value }, call.headers);
}
