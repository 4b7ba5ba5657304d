/**
 * Entry point for `resync simulator --port P --records N --seed S`: starts the server, logs where
 * it listens, and (unless told not to) stops on SIGINT/SIGTERM. The caller may also close the
 * returned handle itself.
 */
import pino from 'pino';
import { startSimulator } from './server';
import type { SimulatorHandle, SimulatorOptions } from './server';

export interface RunSimulatorOptions extends SimulatorOptions {
  /** Close on SIGINT/SIGTERM (default true). */
  stopOnSignals?: boolean;
}

export async function runSimulator(opts: RunSimulatorOptions): Promise<SimulatorHandle> {
  const { stopOnSignals = true, ...options } = opts;
  // pino ndjson on stdout unless the caller brings its own (pipe through pino-pretty to read).
  const logger = options.logger ?? pino({ name: 'simulator' });
  const started = performance.now();
  const handle = await startSimulator({ ...options, logger });
  logger.info(
    {
      url: handle.url,
      metadata: `${handle.url}/$metadata`,
      admin: `${handle.origin}/admin/stats`,
      records: opts.records,
      seed: opts.seed,
      personality: handle.personality.name,
      startupMs: Math.round(performance.now() - started),
    },
    'simulator ready',
  );
  if (!stopOnSignals) return handle;

  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'simulator stopping');
    void handle.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const close = handle.close.bind(handle);
  handle.close = async () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await close();
  };
  return handle;
}
