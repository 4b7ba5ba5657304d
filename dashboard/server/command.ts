/**
 * `resync dashboard`: builds the web app if it is missing or stale, serves it with the API,
 * prints the URL, and stops cleanly on Ctrl-C. Logs go to stdout and logs/dashboard.log.
 */
import { join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from '../../config';
import { consoleLog, type Log } from '../../scripts/lib/log';
import { ensureDashboardBuild } from '../../scripts/lib/setup-steps';
import { startDashboard, type RunningDashboard } from './start';

export interface DashboardCommandOptions {
  config: Config;
  port: number;
  host: string;
  /** `--allow-host`: more names it answers to (a reverse proxy's); validated at start. */
  allowedHosts?: string[];
}

/** A pino logger for the dashboard: ndjson to logs/dashboard.log, and to stdout when asked. */
export function dashboardLogger(config: Config, opts: { console: boolean }): Logger {
  const streams: pino.StreamEntry[] = [
    {
      level: config.logging.level,
      // Synchronous: a handful of lines a minute, and an async file stream may not be open yet
      // when a refused start exits the process (pino's exit flush would then throw).
      stream: pino.destination({ dest: join(resolve(config.logging.dir), 'dashboard.log'), mkdir: true, sync: true }),
    },
  ];
  if (opts.console) streams.push({ level: config.logging.level, stream: process.stdout });
  return pino(
    { level: config.logging.level, base: { component: 'dashboard' }, redact: ['req.headers.authorization', '*.token', '*.password'] },
    pino.multistream(streams),
  );
}

/** Builds if needed and starts; used by `resync dashboard` and `resync dev`. */
export async function launchDashboard(opts: DashboardCommandOptions & { log?: Log; console?: boolean }): Promise<RunningDashboard> {
  const status = await ensureDashboardBuild(opts.log ?? consoleLog);
  if (!status.ok) throw new Error(`the dashboard web app could not be built: ${status.summary}`);
  return startDashboard({
    config: opts.config,
    host: opts.host,
    port: opts.port,
    ...(opts.allowedHosts ? { allowedHosts: opts.allowedHosts } : {}),
    logger: dashboardLogger(opts.config, { console: opts.console ?? true }),
  });
}

export async function runDashboardCommand(opts: DashboardCommandOptions): Promise<void> {
  const dashboard = await launchDashboard(opts);
  // Printed whatever the log level: people and scripts look for it.
  console.log(`resync dashboard at ${dashboard.url}`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await dashboard.close();
}
