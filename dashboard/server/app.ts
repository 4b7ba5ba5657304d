/**
 * The Fastify application: JSON API under /api, the built React app everywhere else. Built from a
 * context so tests can use `app.inject` against real Temporal and a real control DB without a port.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DashboardAddresses } from './addresses';
import { installAddressGuard } from './addresses';
import type { ErrorResponse } from './api-types';
import { installMutationGuard } from './auth';
import type { DashboardContext } from './context';
import { installErrorHandler } from './http';
import { registerMeta } from './routes/meta';
import { registerOverview } from './routes/overview';
import { registerRecords } from './routes/records';
import { registerRunning } from './routes/running';
import { registerSchedules } from './routes/schedules';
import { registerSources } from './routes/sources';

export interface AppOptions {
  /** Folder of the built web app (index.html and assets/); absent: a page saying how to build it. */
  webRoot: string;
  /** Bearer token mutations need, or null on a loopback address. */
  token: string | null;
  /** The host[:port] values that mean this dashboard: every request's Host, and a change's Origin, must be one. */
  addresses: DashboardAddresses;
}

export async function buildApp(ctx: DashboardContext, opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    // Pages poll every two seconds: a line per request would drown what matters. Errors and
    // every change (pause, resume, run now) are logged by their handlers.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
  });
  installErrorHandler(app);
  // Host first: a rebound name learns nothing, not even which content types are accepted.
  installAddressGuard(app, opts.addresses);
  installMutationGuard(app, opts.token);
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/api/')) void reply.header('cache-control', 'no-store');
    // The app loads nothing from elsewhere; say so, so an injected script could not either.
    void reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    );
    void reply.header('x-content-type-options', 'nosniff');
    return payload;
  });

  registerMeta(app, ctx);
  registerOverview(app, ctx);
  registerSources(app, ctx);
  registerSchedules(app, ctx);
  registerRunning(app, ctx);
  registerRecords(app, ctx);

  const built = existsSync(join(opts.webRoot, 'index.html'));
  if (built) await app.register(fastifyStatic, { root: opts.webRoot, prefix: '/', wildcard: false, index: 'index.html' });
  // Client-side routes (/sources/demo, /schedules, …) are the app's own: any GET that is not an
  // API call or a file gets index.html.
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (request.method === 'GET' && !path.startsWith('/api/') && !path.startsWith('/assets/')) {
      if (built) return reply.type('text/html').sendFile('index.html');
      return reply
        .type('text/html')
        .send(
          '<!doctype html><title>resync dashboard</title><p>The dashboard web app is not built. Run <code>npm run setup</code> (or <code>npx vite build dashboard/web</code>).</p>',
        );
    }
    const body: ErrorResponse = { statusCode: 404, error: `no route ${request.method} ${path}` };
    return reply.status(404).send(body);
  });
  return app;
}
