/**
 * Every activity failure in the worker's log, with its type and message (and stack): the retry
 * policy hides failures from everyone but the history, and an operator reading the logs must see
 * why a run is retrying. An Error given to pino as is comes out as `{}` (its fields are not
 * enumerable), so errors are logged as plain objects (errorForLog) under `error`.
 */
import type { Logger } from 'pino';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

export interface FailureLogTargets {
  /** The worker's own log. */
  root: Logger;
  /** The log of a source the config knows (undefined for an unknown name: never a file named after input). */
  forSource(source: string): Logger | undefined;
}

export function activityFailureLogging(targets: FailureLogTargets): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (err) {
          const arg = (input.args[0] ?? {}) as { source?: unknown; resource?: unknown };
          const source = typeof arg.source === 'string' ? arg.source : undefined;
          const logger = (source !== undefined ? targets.forSource(source) : undefined) ?? targets.root;
          const info = ctx.info;
          logger.warn(
            {
              error: errorForLog(err),
              failureType: failureType(err),
              activityType: info.activityType,
              attempt: info.attempt,
              workflowId: info.workflowExecution?.workflowId,
              ...(source !== undefined ? { source } : {}),
              ...(typeof arg.resource === 'string' ? { resource: arg.resource } : {}),
            },
            `activity ${info.activityType} failed (attempt ${info.attempt}): ${err instanceof Error ? err.message : String(err)}`,
          );
          throw err;
        }
      },
    },
  });
}

/** Fields of an error worth a log line. */
export interface LoggedError {
  type: string;
  message: string;
  stack?: string;
  code?: string | number;
  cause?: LoggedError;
}

/**
 * An error as a plain object for the log: its type, message, stack, code and causes — and nothing
 * else. (pino's own serializer copies every enumerable field: a database error's `sql` can hold a
 * megabyte batch of MLS records.)
 */
export function errorForLog(err: unknown, depth = 0): LoggedError {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err) };
  const { code, cause } = err as Error & { code?: unknown };
  return {
    type: failureType(err),
    message: err.message,
    ...(err.stack ? { stack: err.stack } : {}),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(cause !== undefined && depth < 3 ? { cause: errorForLog(cause, depth + 1) } : {}),
  };
}

/** The name the retry policies match on: an ApplicationFailure's type, else the error's name. */
function failureType(err: unknown): string {
  if (err && typeof err === 'object') {
    const { type, name } = err as { type?: unknown; name?: unknown };
    if (typeof type === 'string' && type) return type;
    if (typeof name === 'string') return name;
  }
  return typeof err;
}

/**
 * The fields of one Temporal SDK log entry, with every Error as a plain object (the SDK reports an
 * activity's failure as `{ error }`, which pino would print as `"error":{}`).
 */
export function sdkLogFields(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (!(value instanceof Error)) fields[key] = value;
    else fields[key] = errorForLog(value);
  }
  return fields;
}
