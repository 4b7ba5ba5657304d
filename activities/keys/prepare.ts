/**
 * Start of a purge or reconcile run: check the resource can be compared by key, bring the
 * destinations' tables up to date (reconcile writes to them; purge reads them), register the run's
 * staging, and fix the upper bound of the key download.
 */
import { canonicalTimestamp } from '../common/timestamps';
import type { Runtime } from '../runtime';
import { PURGE_DEFAULTS } from '../../config/schema';
import type { PrepareKeyRunInput, PrepareKeyRunResult } from '../../workflows/key-types';
import { checkMediaDestinations } from '../media/context';
import { integerKey } from './context';
import { registerRun } from './staging';

export async function prepareKeyRun(runtime: Runtime, input: PrepareKeyRunInput): Promise<PrepareKeyRunResult> {
  const src = runtime.source(input.source);
  const log = src.logger.child({ resource: input.resource, process: input.process, workflowId: input.workflowId });
  const resource = await runtime.resourceModel(input.source, input.resource);
  integerKey(resource);
  const destinations = runtime.destinationsFor(input.source);
  checkMediaDestinations(runtime, input.source, input.resource, destinations);
  for (const dest of destinations) {
    const changes = await dest.ensureSchema(resource);
    for (const change of changes) log.info({ destination: dest.name, change }, 'schema changed');
  }
  const stats = await runtime.statsStore();
  const startedAt = new Date().toISOString();
  await stats.startRun({
    runId: input.runId,
    ...(input.parentRunId ? { parentRunId: input.parentRunId } : {}),
    workflowId: input.workflowId,
    source: input.source,
    resource: input.resource,
    process: input.process,
    startedAt,
  });
  await registerRun(stats.pool, {
    runId: input.runId,
    workflowId: input.workflowId,
    source: input.source,
    resource: input.resource,
    process: input.process,
  });
  const upperBound = canonicalTimestamp(startedAt)!;
  const limits = { ...PURGE_DEFAULTS, ...runtime.resourceConfig(input.source, input.resource).purge };
  log.info({ upperBound, destinations: destinations.map((d) => d.name), limits }, `${input.process} prepared`);
  return { startedAt, upperBound, destinations: destinations.map((d) => d.name), limits };
}
