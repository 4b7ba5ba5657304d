/**
 * What every purge/reconcile activity starts from: the source, the resource's model and config,
 * the control database's pool (staging), and a keep-alive heartbeat.
 */
import { activityInfo, cancellationSignal, heartbeat } from '@temporalio/activity';
import type { Pool } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { MysqlDestinationConfig, ResourceConfig } from '../../config';
import type { Destination, ResourceModel } from '../destinations';
import { UnknownConfigEntry, type Runtime, type SourceRuntime } from '../runtime';

/** A chunk returns to the workflow after this long, so progress and history stay fresh (as sync's). */
export const CHUNK_BUDGET_MS = 30_000;

/** Thrown for a resource purge and reconcile cannot handle (a composite or non-integer numeric key). */
export class KeyRunUnsupported extends Error {
  override readonly name = 'KeyRunUnsupported';
}

export interface KeyContext {
  src: SourceRuntime;
  resource: ResourceModel;
  resourceConfig: ResourceConfig;
  /** Control database: where the staging tables are. */
  pool: Pool;
  /** Keys are integers (staged in their sortable form, see order.ts). */
  numeric: boolean;
  log: Logger;
  signal: AbortSignal;
}

export async function keyContext(runtime: Runtime, input: { source: string; resource: string }, process: string): Promise<KeyContext> {
  const src = runtime.source(input.source);
  const signal = cancellationSignal();
  const resource = await runtime.resourceModel(input.source, input.resource, signal);
  const stats = await runtime.statsStore();
  const log = src.logger.child({ resource: input.resource, process, workflowId: activityInfo().workflowExecution?.workflowId });
  return {
    src,
    resource,
    resourceConfig: runtime.resourceConfig(input.source, input.resource),
    pool: stats.pool,
    numeric: integerKey(resource),
    log,
    signal,
  };
}

/**
 * Whether the key is an integer type (a BIGINT key column, numeric order). Other numeric keys
 * (decimals) have no exact text form to compare, and composite keys no single order: refused.
 */
export function integerKey(resource: ResourceModel): boolean {
  if (resource.entity.key.length !== 1) {
    throw new KeyRunUnsupported(
      `${resource.resource} has the composite key ${resource.entity.key.join(', ')}; purge and reconcile need a single key field`,
    );
  }
  const field = resource.entity.fields.find((f) => f.name === resource.keyField);
  const type = field?.type.kind === 'primitive' ? field.type.name : '';
  if (/^Edm\.(Decimal|Double|Single)$/.test(type)) {
    throw new KeyRunUnsupported(
      `${resource.resource}: key ${resource.keyField} is ${type}; purge and reconcile need a string or integer key`,
    );
  }
  return /^Edm\.(S?Byte|Int16|Int32|Int64)$/.test(type);
}

export function destinationNamed(runtime: Runtime, source: string, name: string): Destination {
  const dest = runtime.destinationsFor(source).find((d) => d.name === name);
  if (!dest) throw new UnknownConfigEntry(`destination "${name}" is not one of source ${source}'s destinations`);
  return dest;
}

/** The destination's key mapping, when its config has one. */
export function keyMappingOf(runtime: Runtime, destination: string): KeyMapping | undefined {
  return runtime.config.destinations[destination]?.keyMapping;
}

export type KeyMapping = NonNullable<MysqlDestinationConfig['keyMapping']>;

/**
 * Heartbeats the latest committed details every few seconds, besides the heartbeat after each
 * commit: one slow request (a 300,000-key page) must not look like a dead worker.
 */
export function keepAlive(details: () => unknown, everyMs = 5000): { stop(): void } {
  const timer = setInterval(() => heartbeat(details()), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
