import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { MetaResponse } from '../api-types';
import type { DashboardContext } from '../context';
import { summarize } from './common';

const version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

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
