import type { Runtime } from '../runtime';
import type { FinishRunInput, SourceRunRecord } from '../../workflows/types';

export function createStatsActivities(runtime: Runtime) {
  return {
    /**
     * Writes the run's final rows (the run, and per destination what it received and how many
     * rows it holds now); upserts, so a retry leaves the same rows.
     */
    async finishRun(input: FinishRunInput): Promise<void> {
      const stats = await runtime.statsStore();
      const rowsAfter: Record<string, number | null> = {};
      try {
        const model = await runtime.resourceModel(input.source, input.resource);
        // Counted side by side: each destination is its own server (or table), and the run waits for all.
        const destinations = runtime.destinationsFor(input.source);
        const counts = await Promise.all(destinations.map((dest) => dest.count(model).catch(() => null)));
        destinations.forEach((dest, i) => (rowsAfter[dest.name] = counts[i] ?? null));
      } catch {
        // A run that failed on its metadata has no table to count; the run row still matters.
      }
      await stats.finishRun(input, rowsAfter);
      runtime.source(input.source).logger.info(
        {
          resource: input.resource,
          process: input.process,
          workflowId: input.workflowId,
          outcome: input.outcome,
          totals: input.totals,
          rowsAfter,
          error: input.error,
        },
        'run finished',
      );
    },

    /** The resources of a source, in config order (runSource cannot read the config itself). */
    async listResources(input: { source: string }): Promise<string[]> {
      return runtime.source(input.source).config.resources.map((r) => r.name);
    },

    async recordSourceRun(input: SourceRunRecord): Promise<void> {
      const stats = await runtime.statsStore();
      await stats.recordSourceRun(input);
    },
  };
}
