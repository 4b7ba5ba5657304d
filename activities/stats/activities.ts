import type { Runtime } from '../runtime';
import type { FinishRunInput } from '../../workflows/types';

export function createStatsActivities(runtime: Runtime) {
  return {
    /** Writes the run's final row; an upsert, so a retry leaves the same row. */
    async finishRun(input: FinishRunInput): Promise<void> {
      const stats = await runtime.statsStore();
      await stats.finishRun(input);
      runtime.source(input.source).logger.info(
        { resource: input.resource, process: input.process, workflowId: input.workflowId, outcome: input.outcome, totals: input.totals, error: input.error },
        'run finished',
      );
    },
  };
}
