/**
 * The simulated MLS as an HTTP server (node:http): a RESO Web API under `/odata` and the admin
 * API under `/admin`. Behaviour that differs between platforms comes from the personality; this
 * file only routes, applies the personality's hooks, and turns errors into OData error bodies and
 * violation counts.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { handleAdmin } from './admin';
import { TOKEN_PATH } from './auth';
import { Dataset } from './dataset';
import type { DatasetOptions } from './dataset';
import { ODataError } from './engine/errors';
import { applyTailFault, type TailFault } from './tail-fault';
import { ResultCache } from './engine/results';
import { createMediaTable, createPropertyTable } from './engine/table';
import { FaultInjector, respondWithFault } from './fault-injection';
import type { ActiveFault, FaultRule } from './fault-injection';
import { MEDIA_PATH, MediaUrls } from './media-host';
import { metadataXml, parseSimSchema, withExtraFields } from './fields';
import { PlatformGate } from './gate';
import { sendJson } from './http';
import { project, serveCollection, serveEntity, serveMetadata, serveServiceDocument } from './odata-routes';
import { projectionSignature, RenderedRecords, type Projection } from './engine/rendered';
import type { ODataCall, ODataDeps } from './odata-routes';
import { resolvePersonality, rulesFor } from './personalities/registry';
import type { PersonalityName } from './personalities/registry';
import type { Personality, PersonalityOptions, Rejection, RequestContext } from './personalities/types';
import { StatsRecorder } from './stats';
import type { SimulatorStats } from './stats';
import { serveToken } from './token-endpoint';

/** The subset of pino the simulator uses. */
export interface SimLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SimulatorOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  records: number;
  seed: number;
  personality?: PersonalityName | Personality;
  /** Credentials, data identity and timings of a named personality (see PersonalityOptions). */
  personalityOptions?: PersonalityOptions;
  /** Faults active from the start (more can be added with `faults.add` or `POST /admin/faults`). */
  faults?: FaultRule[];
  /** Seed for ratio faults (default 1). */
  faultSeed?: number;
  /** Default page size (overrides the personality's). */
  pageSize?: number;
  /** Largest `$top` accepted (overrides the personality's). */
  maxTop?: number;
  /** Delay before answering each OData request. */
  latencyMs?: number;
  logger?: SimLogger;
  mediaPerRecord?: number;
  /** See DatasetOptions.anchor. */
  anchor?: DatasetOptions['anchor'];
  /** How many request URLs and violations the stats keep (default 1000). */
  recentLimit?: number;
  /** Hides the last pages of Property downloads while counts stay full (see tail-fault.ts). */
  tailFault?: TailFault;
}

export interface SimulatorHandle {
  /** Service root of the OData API, e.g. `http://127.0.0.1:40123/odata`. */
  url: string;
  /** `http://host:port`. */
  origin: string;
  dataset: Dataset;
  personality: Personality;
  /** Fault injection: add rules, clear them, list what is pending. */
  faults: Pick<FaultInjector, 'add' | 'clear' | 'list'>;
  /** OAuth2 access tokens handed out so far (tests look for them where they must not appear). */
  issuedTokens(): string[];
  /** A fresh snapshot on each read. */
  readonly stats: SimulatorStats;
  resetStats(): void;
  /**
   * Renders every live record of an entity set with this projection now, so that serving them later
   * costs only a copy (benchmarks; see engine/rendered.ts). Returns the number of records rendered.
   */
  prerender(entitySet: string, projection: Projection): number;
  /** Records served as pre-rendered so far. */
  prerenderedServed(): number;
  close(): Promise<void>;
}

const SILENT: SimLogger = { debug() {}, info() {}, warn() {}, error() {} };
const SERVICE_PATH = '/odata';

export async function startSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? SILENT;
  const personality = resolvePersonality(
    options.personality,
    { pageSize: options.pageSize, maxTop: options.maxTop },
    options.personalityOptions,
  );
  const data = personality.data ?? {};
  const metadata = data.extraFields ? withExtraFields(metadataXml(), data.extraFields) : metadataXml();
  // MediaURLs point at this server's image host; its origin is set once it listens, before any
  // record is rendered.
  const mediaUrls = new MediaUrls(personality.media ?? {}, `sim-media-${options.seed}`);
  const datasetOptions: DatasetOptions = {
    records: options.records,
    seed: options.seed,
    mediaUrl: (mediaKey, photosMs) => mediaUrls.urlFor(mediaKey, photosMs),
  };
  if (options.mediaPerRecord !== undefined) datasetOptions.mediaPerRecord = options.mediaPerRecord;
  if (options.anchor !== undefined) datasetOptions.anchor = options.anchor;
  if (data.extraFields) datasetOptions.schema = parseSimSchema(metadata);
  if (data.keyPrefix !== undefined) datasetOptions.keyPrefix = data.keyPrefix;
  if (data.originatingSystemName !== undefined) datasetOptions.originatingSystemName = data.originatingSystemName;
  if (data.tombstoneRetentionMs !== undefined) datasetOptions.tombstoneRetentionMs = data.tombstoneRetentionMs;
  const dataset = new Dataset(datasetOptions);
  const stats = new StatsRecorder(options.recentLimit);
  const gate = new PlatformGate(personality);
  const faults = new FaultInjector(options.faultSeed);
  for (const rule of options.faults ?? []) faults.add(rule);

  const media = createMediaTable(dataset);
  const property = createPropertyTable(dataset, () => media);
  const deps: ODataDeps = {
    tables: new Map([
      ['Property', property],
      ['Media', media],
    ]),
    ...(data.tombstoneRetentionMs !== undefined
      ? {
          feedTables: new Map([
            ['Property', createPropertyTable(dataset, () => media, { withTombstones: true })],
            ['Media', media],
          ]),
        }
      : {}),
    personality,
    cache: new ResultCache(),
    metadata,
    rendered: new RenderedRecords(),
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err, url: req.url }, 'simulator request failed');
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } }));
      } else {
        res.destroy();
      }
    });
  });

  let origin = '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const reqOrigin = `http://${req.headers.host ?? new URL(origin).host}`;
    const url = new URL(req.url ?? '/', reqOrigin);
    const path = url.pathname;
    if (path === '/admin' || path.startsWith('/admin/')) {
      await handleAdmin(req, res, path, { dataset, stats, faults });
      return;
    }
    const target = `${path}${url.search}`;
    const receivedAt = Date.now();
    stats.request(path, target);
    res.on('finish', () => {
      stats.response(res.statusCode, { at: receivedAt, url: target, status: res.statusCode });
      logger.debug(
        { method: req.method, url: target, status: res.statusCode, ms: Math.round(performance.now() - started) },
        'simulator request',
      );
    });

    if (path === TOKEN_PATH && gate.auth.usesTokenEndpoint) {
      const fault = faults.next('token', safeDecode(target));
      if (fault) stats.fault(fault.kind);
      if (fault && (await respondWithFault(fault, req, res))) return;
      const violation = await serveToken(req, res, gate.auth);
      if (violation) stats.violation(violation, 'token request refused', target);
      return;
    }

    if (path.startsWith(`${MEDIA_PATH}/`)) {
      try {
        const fault = faults.next('media', safeDecode(target));
        if (fault) stats.fault(fault.kind);
        // slow-body is the image host's own: half the photo, a pause, the rest.
        const stallMs = fault?.kind === 'slow-body' ? (fault.delayMs ?? 2000) : undefined;
        if (fault && stallMs === undefined && (await respondWithFault(fault, req, res))) return;
        await mediaUrls.serve(req, res, url, dataset, {
          ...(stallMs !== undefined ? { stallMs } : {}),
          isAccessToken: (token) => gate.auth.check({ authorization: `Bearer ${token}` }) === undefined,
          spendRequest: () => {
            const refused = gate.spend();
            return refused ? rejectionError(refused) : undefined;
          },
        });
      } catch (err) {
        if (!(err instanceof ODataError)) throw err;
        if (err.violation) stats.violation(err.violation, err.message, target);
        await sendJson(req, res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
      }
      return;
    }

    const ctx: RequestContext = {
      method: req.method ?? 'GET',
      url: applyTailFault(url, options.tailFault, dataset),
      headers: req.headers,
      receivedAt,
    };
    const call: ODataCall = { req, res, ctx, serviceRoot: `${reqOrigin}${SERVICE_PATH}`, headers: {}, personality };
    try {
      if (options.latencyMs) await sleep(options.latencyMs);
      const fault = faults.next('odata', safeDecode(target));
      if (fault) {
        stats.fault(fault.kind);
        if (await injectFault(fault, req, res)) return;
      }
      // Deletions older than the platform keeps them leave the feed before anyone reads it.
      if (dataset.tombstoneRetentionMs !== undefined) dataset.expireTombstones();
      await route(call, path, `${reqOrigin}${target}`);
    } catch (err) {
      if (!(err instanceof ODataError)) throw err;
      if (err.violation) stats.violation(err.violation, err.message, target);
      if (err.refusal) stats.refusal(err.refusal);
      await sendJson(req, res, err.status, { error: { code: err.code, message: err.message } }, { ...call.headers, ...err.headers });
    }
  }

  /** True when the fault answered the request; throws the 401 of a static token that "expired". */
  async function injectFault(fault: ActiveFault, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (fault.kind === 'expire-token' && !gate.auth.expireAll()) {
      // A static token cannot be renewed: this request fails as if it had been revoked.
      throw new ODataError(401, 'token-expired', 'the access token has expired', undefined, undefined, 'token-expired');
    }
    return respondWithFault(fault, req, res, { quotaHeaders: gate.quotaHeaders() });
  }

  async function route(call: ODataCall, path: string, fullUrl: string): Promise<void> {
    if (path !== SERVICE_PATH && !path.startsWith(`${SERVICE_PATH}/`)) {
      throw new ODataError(404, 'not-found', `nothing at ${path}; the OData service is at ${SERVICE_PATH}`);
    }
    if (call.ctx.method !== 'GET' && call.ctx.method !== 'HEAD') {
      throw new ODataError(405, 'method-not-allowed', 'the simulated MLS is read-only (GET); change data through /admin');
    }
    let rest: string;
    try {
      // Segments are decoded one by one: an encoded slash (%2F) stays inside its segment, as on
      // most real servers, instead of silently becoming a path separator.
      rest = path
        .slice(SERVICE_PATH.length)
        .split('/')
        .map((segment) => decodeURIComponent(segment).replace(/\//g, '%2F'))
        .join('/');
    } catch {
      throw new ODataError(400, 'bad-path', `path ${path} is not valid percent-encoding`, 'bad-path');
    }
    // `/Property`, `/Property('K')`, or `/Property/replication` where the platform has that endpoint.
    const m = /^\/([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\)|\/([A-Za-z_][A-Za-z0-9_]*))?$/.exec(rest);
    const via = personality.replication?.via;
    const segment = m?.[3];
    if (segment !== undefined && !(via && 'pathSegment' in via && via.pathSegment === segment)) {
      throw new ODataError(404, 'not-found', `no such path: ${path}`);
    }
    const replication = segment !== undefined || (!!via && 'param' in via && call.ctx.url.searchParams.get(via.param) === via.value);
    call.ctx.replication = replication;
    call.personality = rulesFor(personality, replication);
    const table = m ? (deps.feedTables ?? deps.tables).get(m[1] as string) : undefined;
    if (table) {
      call.ctx.resource = table.name;
      call.ctx.entity = table.type;
    }
    const admission = gate.admit(call.ctx, fullUrl);
    Object.assign(call.headers, admission.headers);
    if (admission.rejection) throw rejectionError(admission.rejection);

    if (rest === '' || rest === '/') return serveServiceDocument(call, deps);
    if (rest === '/$metadata') return serveMetadata(call, deps);
    if (!m || !table) throw new ODataError(404, 'not-found', `no entity set at ${path}; try ${[...deps.tables.keys()].join(', ')}`);
    if (m[2] !== undefined) return serveEntity(call, table, m[2]);
    return serveCollection(call, table, deps);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${hostPart}:${address.port}`;
  mediaUrls.origin = origin;
  logger.debug(
    { url: `${origin}${SERVICE_PATH}`, records: options.records, seed: options.seed, personality: personality.name },
    'simulator listening',
  );

  let closed: Promise<void> | undefined;
  return {
    url: `${origin}${SERVICE_PATH}`,
    origin,
    dataset,
    personality,
    faults,
    issuedTokens: () => gate.auth.issuedTokens(),
    get stats() {
      return stats.snapshot();
    },
    resetStats: () => stats.reset(),
    prerender(entitySet, projection) {
      const table = deps.tables.get(entitySet);
      if (!table) throw new Error(`no entity set ${entitySet}`);
      const signature = projectionSignature(projection, personality.expandDefaultTop);
      return deps.rendered!.fill(table, signature, (row) => project(table, row, projection, personality));
    },
    prerenderedServed: () => deps.rendered!.hits,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function rejectionError(r: Rejection): ODataError {
  return new ODataError(r.status, r.code, r.message, r.violation, r.headers, r.refusal);
}

/** The request target decoded for fault matching (`$metadata`, `Property`), or as sent if undecodable. */
function safeDecode(target: string): string {
  try {
    return decodeURIComponent(target.replace(/\+/g, ' '));
  } catch {
    return target;
  }
}
