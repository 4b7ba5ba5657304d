/**
 * pino ndjson: the worker's own log (stdout and logs/worker.log) plus one file per source
 * (logs/<source>.log). Secrets are redacted by path as a second line of defence; the code never
 * logs them in the first place.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino, { type Logger, type LevelWithSilent } from 'pino';
import { DefaultLogger, Runtime as TemporalRuntime, type LogEntry } from '@temporalio/worker';
import { sdkLogFields } from './activity-failure-log';

const REDACT = ['*.token', '*.clientSecret', '*.password', '*.authorization', 'headers.authorization', '*.access_token'];

export interface Logging {
  root: Logger;
  forSource(source: string): Logger;
  close(): void;
}

export function createLogging(opts: { dir: string; level: LevelWithSilent; console?: boolean }): Logging {
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  const destinations: pino.DestinationStream[] = [];
  const file = (name: string) => {
    const d = pino.destination({ dest: join(dir, name), mkdir: true, sync: false });
    destinations.push(d);
    return d;
  };
  const streams: pino.StreamEntry[] = [{ level: opts.level as pino.Level, stream: file('worker.log') }];
  if (opts.console !== false) streams.push({ level: opts.level as pino.Level, stream: process.stdout });
  const root = pino({ level: opts.level, redact: REDACT, base: { pid: process.pid } }, pino.multistream(streams));
  const perSource = new Map<string, Logger>();
  return {
    root,
    forSource(source) {
      let logger = perSource.get(source);
      if (!logger) {
        // Each source gets its own file, and its lines also reach the worker's log.
        const sourceStreams: pino.StreamEntry[] = [...streams, { level: opts.level as pino.Level, stream: file(`${source}.log`) }];
        logger = pino({ level: opts.level, redact: REDACT, base: { pid: process.pid, source } }, pino.multistream(sourceStreams));
        perSource.set(source, logger);
      }
      return logger;
    },
    close() {
      for (const d of destinations) (d as unknown as { flushSync?: () => void }).flushSync?.();
    },
  };
}

let installed = false;

/** Routes the Temporal SDK's own logs through pino. Once per process (a Temporal rule). */
export function installTemporalLogging(logger: Logger, level: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' = 'WARN'): void {
  if (installed) return;
  installed = true;
  const sdk = logger.child({ component: 'temporal-sdk' });
  TemporalRuntime.install({
    logger: new DefaultLogger(level, (entry: LogEntry) => {
      const method = entry.level === 'TRACE' ? 'trace' : (entry.level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
      sdk[method](sdkLogFields(entry.meta), entry.message);
    }),
  });
}
