/**
 * Starts the dashboard: checks the bind address against the token rule before anything else,
 * then connects to Temporal and the control DB, and listens. Used by `resync dashboard`,
 * `resync dev` and the tests.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Config } from '../../config';
import { ALLOWED_HOSTS_ENV, DashboardAddresses, parseAllowedHosts } from './addresses';
import { buildApp } from './app';
import { requiredToken, TOKEN_ENV } from './auth';
import { createContext, type DashboardContext } from './context';
import { fromRoot } from '../../scripts/lib/paths';

export const DEFAULT_DASHBOARD_HOST = '127.0.0.1';
export const DEFAULT_DASHBOARD_PORT = 4000;
// From the checkout's root, not from this file: the same in dist/resync.mjs, where this is bundled.
export const WEB_ROOT = fromRoot('dashboard', 'web', 'dist');

export interface DashboardOptions {
  config: Config;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Default: $RESYNC_DASHBOARD_TOKEN. */
  token?: string;
  /**
   * More host[:port] names it answers to besides its bind address (a reverse proxy's name, say);
   * added to those in $RESYNC_DASHBOARD_ALLOWED_HOSTS.
   */
  allowedHosts?: string[];
  logger?: Logger;
  /** A Temporal client to share (tests); otherwise one is connected from the config. */
  client?: Client;
  webRoot?: string;
  countsFreshMs?: number;
}

export interface RunningDashboard {
  url: string;
  app: FastifyInstance;
  context: DashboardContext;
  close(): Promise<void>;
}

export async function startDashboard(opts: DashboardOptions): Promise<RunningDashboard> {
  const host = opts.host ?? DEFAULT_DASHBOARD_HOST;
  // Refuse before connecting to anything: an open dashboard on a network address is a hole.
  const token = requiredToken(host, opts.token ?? process.env[TOKEN_ENV]);
  const addresses = new DashboardAddresses({
    bindHost: host,
    // Port 0 is picked at listen; until then no request can arrive.
    port: opts.port === 0 ? null : (opts.port ?? DEFAULT_DASHBOARD_PORT),
    allowed: [
      ...parseAllowedHosts(process.env[ALLOWED_HOSTS_ENV], `$${ALLOWED_HOSTS_ENV}`),
      ...parseAllowedHosts(opts.allowedHosts, '--allow-host'),
    ],
  });
  const logger = opts.logger ?? pino({ level: 'info', base: { component: 'dashboard' } });
  const context = await createContext({
    config: opts.config,
    logger,
    tokenRequired: token !== null,
    ...(opts.client ? { client: opts.client } : {}),
    ...(opts.countsFreshMs !== undefined ? { countsFreshMs: opts.countsFreshMs } : {}),
  });
  let app: FastifyInstance | undefined;
  try {
    app = await buildApp(context, { webRoot: opts.webRoot ?? WEB_ROOT, token, addresses });
    await app.listen({ host, port: opts.port ?? DEFAULT_DASHBOARD_PORT });
  } catch (err) {
    await app?.close().catch(() => undefined);
    await context.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  if (port) addresses.setPort(port);
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${shown}:${port}`;
  logger.info({ url, tokenRequired: token !== null }, 'dashboard listening');
  const running = app;
  return {
    url,
    app: running,
    context,
    async close() {
      await running.close();
      await context.close();
    },
  };
}
