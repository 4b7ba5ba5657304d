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
import { Dataset } from './dataset';
import type { DatasetOptions } from './dataset';
import { ODataError } from './engine/errors';
import { ResultCache } from './engine/results';
import { createMediaTable, createPropertyTable } from './engine/table';
import { sendJson } from './http';
import { serveCollection, serveEntity, serveMetadata, serveServiceDocument } from './odata-routes';
import type { ODataCall, ODataDeps } from './odata-routes';
import { resolvePersonality } from './personalities/registry';
import type { PersonalityName } from './personalities/registry';
import type { Personality, RequestContext } from './personalities/types';
import { StatsRecorder } from './stats';
import type { SimulatorStats } from './stats';

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
}

export interface SimulatorHandle {
  /** Service root of the OData API, e.g. `http://127.0.0.1:40123/odata`. */
  url: string;
  /** `http://host:port`. */
  origin: string;
  dataset: Dataset;
  personality: Personality;
  /** A fresh snapshot on each read. */
  readonly stats: SimulatorStats;
  resetStats(): void;
  close(): Promise<void>;
}

const SILENT: SimLogger = { debug() {}, info() {}, warn() {}, error() {} };
const SERVICE_PATH = '/odata';

export async function startSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? SILENT;
  const personality = resolvePersonality(options.personality, { pageSize: options.pageSize, maxTop: options.maxTop });
  const datasetOptions: DatasetOptions = { records: options.records, seed: options.seed };
  if (options.mediaPerRecord !== undefined) datasetOptions.mediaPerRecord = options.mediaPerRecord;
  if (options.anchor !== undefined) datasetOptions.anchor = options.anchor;
  const dataset = new Dataset(datasetOptions);
  const stats = new StatsRecorder(options.recentLimit);

  const media = createMediaTable(dataset);
  const property = createPropertyTable(dataset, () => media);
  const deps: ODataDeps = {
    tables: new Map([
      ['Property', property],
      ['Media', media],
    ]),
    personality,
    cache: new ResultCache(),
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
      await handleAdmin(req, res, path, { dataset, stats });
      return;
    }
    const target = `${path}${url.search}`;
    stats.request(path, target);
    res.on('finish', () => {
      stats.response(res.statusCode);
      logger.debug(
        { method: req.method, url: target, status: res.statusCode, ms: Math.round(performance.now() - started) },
        'simulator request',
      );
    });

    const ctx: RequestContext = { method: req.method ?? 'GET', url, headers: req.headers, receivedAt: Date.now() };
    const call: ODataCall = { req, res, ctx, serviceRoot: `${reqOrigin}${SERVICE_PATH}`, headers: {} };
    try {
      if (options.latencyMs) await sleep(options.latencyMs);
      await route(call, path);
    } catch (err) {
      if (!(err instanceof ODataError)) throw err;
      if (err.violation) stats.violation(err.violation, err.message, target);
      await sendJson(req, res, err.status, { error: { code: err.code, message: err.message } }, { ...call.headers, ...err.headers });
    }
  }

  async function route(call: ODataCall, path: string): Promise<void> {
    if (path !== SERVICE_PATH && !path.startsWith(`${SERVICE_PATH}/`)) {
      throw new ODataError(404, 'not-found', `nothing at ${path}; the OData service is at ${SERVICE_PATH}`);
    }
    if (call.ctx.method !== 'GET' && call.ctx.method !== 'HEAD') {
      throw new ODataError(405, 'method-not-allowed', 'the simulated MLS is read-only (GET); change data through /admin');
    }
    let rest: string;
    try {
      rest = decodeURIComponent(path.slice(SERVICE_PATH.length));
    } catch {
      throw new ODataError(400, 'bad-path', `path ${path} is not valid percent-encoding`, 'bad-path');
    }
    const m = /^\/([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/.exec(rest);
    const table = m ? deps.tables.get(m[1] as string) : undefined;
    if (table) call.ctx.resource = table.name;
    const rejection = personality.hooks?.onRequest?.(call.ctx);
    if (rejection) throw new ODataError(rejection.status, rejection.code, rejection.message, rejection.violation, rejection.headers);
    Object.assign(call.headers, personality.hooks?.responseHeaders?.(call.ctx) ?? {});

    if (rest === '' || rest === '/') return serveServiceDocument(call, deps);
    if (rest === '/$metadata') return serveMetadata(call);
    if (!m || !table) throw new ODataError(404, 'not-found', `no entity set at ${path}; try ${[...deps.tables.keys()].join(', ')}`);
    if (m[2] !== undefined) return serveEntity(call, table, m[2], deps);
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
    get stats() {
      return stats.snapshot();
    },
    resetStats: () => stats.reset(),
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
