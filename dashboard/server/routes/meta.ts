import type { FastifyInstance } from 'fastify';
import type { MetaResponse } from '../api-types';
import type { DashboardContext } from '../context';
import { summarize } from './common';
import { packageVersion } from '../../../worker/version';

// Found from the checkout's root, not from this file: the same in dist/resync.mjs, where this is bundled.
const version = packageVersion();

export function registerMeta(app: FastifyInstance, ctx: DashboardContext): void {
  app.get('/api/meta', async (): Promise<MetaResponse> => {
    const { config } = ctx;
    return {
      version,
      temporal: { namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, uiUrl: config.temporal.uiUrl },
      tokenRequired: ctx.tokenRequired,
      sources: Object.keys(config.sources).map((name) => summarize(config, name)),
    };
  });
}
