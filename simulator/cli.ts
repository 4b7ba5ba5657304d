/**
 * Entry point for `resync simulator --port P --records N --seed S`: starts the server, logs where
 * it listens, and (unless told not to) stops on SIGINT/SIGTERM. The caller may also close the
 * returned handle itself.
 */
import { startSimulator } from './server';
import type { SimLogger, SimulatorHandle, SimulatorOptions } from './server';

export interface RunSimulatorOptions extends SimulatorOptions {
  /** Close on SIGINT/SIGTERM (default true). */
  stopOnSignals?: boolean;
}

const CONSOLE_LOGGER: SimLogger = {
  debug() {},
  info: (obj, msg) => console.log(msg ?? '', JSON.stringify(obj)),
  warn: (obj, msg) => console.warn(msg ?? '', JSON.stringify(obj)),
  error: (obj, msg) => console.error(msg ?? '', JSON.stringify(obj)),
};

export async function runSimulator(opts: RunSimulatorOptions): Promise<SimulatorHandle> {
  const { stopOnSignals = true, ...options } = opts;
  const logger = options.logger ?? CONSOLE_LOGGER;
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
