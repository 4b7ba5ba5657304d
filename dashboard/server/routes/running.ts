import type { FastifyInstance } from 'fastify';
import type { RunningResponse } from '../api-types';
import type { DashboardContext } from '../context';

export function registerRunning(app: FastifyInstance, ctx: DashboardContext): void {
  app.get('/api/running', async (): Promise<RunningResponse> => ({
    generatedAt: new Date().toISOString(),
    workflows: await ctx.running(),
  }));
}
