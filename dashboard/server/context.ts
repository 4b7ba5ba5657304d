/**
 * Everything a route needs, built once per server: the config, a Temporal client, the history
 * reader, the counts cache, a Runtime for MLS requests, and short-lived snapshots of what Temporal
 * says, so several pages polling at once cost Temporal one listing, not one each.
 */
import type { Client, ScheduleSummary } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import { Runtime } from '../../activities/runtime';
import { StatsStore } from '../../activities/stats/store';
import { connectClient } from '../../worker/temporal';
import type { RunningWorkflow } from './api-types';
import { CountsService } from './counts';
import { HistoryReader } from './history';
import { DestinationPools } from './pools';
import { listRunning, listScheduleSummaries } from './temporal';

/** How long one answer of Temporal serves every request: under the pages' 2-second poll. */
const SNAPSHOT_MS = 1000;

export interface DashboardContext {
  config: Config;
  client: Client;
  history: HistoryReader;
  counts: CountsService;
  runtime: Runtime;
  pools: DestinationPools;
  logger: Logger;
  tokenRequired: boolean;
  running(): Promise<RunningWorkflow[]>;
  scheduleSummaries(): Promise<Map<string, ScheduleSummary>>;
  typicalDurations(): Promise<Map<string, number>>;
  /** Drops the snapshots, after a change the next read must see. */
  invalidate(): void;
  close(): Promise<void>;
}

export interface ContextOptions {
  config: Config;
  logger: Logger;
  tokenRequired: boolean;
  /** Injected by tests; otherwise connected from the config. */
  client?: Client;
  countsFreshMs?: number;
}

export async function createContext(opts: ContextOptions): Promise<DashboardContext> {
  const { config, logger } = opts;
  // The worker migrates the control DB at start; the dashboard may come first on a new machine.
  const stats = await StatsStore.open(config.control.url);
  await stats.migrate();
  const client = opts.client ?? (await connectClient(config));
  const runtime = new Runtime(config, logger.child({ component: 'mls' }));
  const pools = new DestinationPools();
  const running = snapshot(SNAPSHOT_MS, () => listRunning(client, config));
  const schedules = snapshot(SNAPSHOT_MS, () => listScheduleSummaries(client, config));
  const history = new HistoryReader(stats.db);
  const durations = snapshot(30_000, () => history.typicalDurations());
  return {
    config,
    client,
    history,
    counts: new CountsService(config, runtime, pools, opts.countsFreshMs),
    runtime,
    pools,
    logger,
    tokenRequired: opts.tokenRequired,
    running: running.get,
    scheduleSummaries: schedules.get,
    typicalDurations: durations.get,
    invalidate() {
      running.clear();
      schedules.clear();
    },
    async close() {
      await pools.close();
      await runtime.close();
      await stats.close();
      if (!opts.client) await client.connection.close().catch(() => undefined);
    },
  };
}

/** A value shared by every caller for `ms`; callers during a refresh wait for the same one. */
function snapshot<T>(ms: number, load: () => Promise<T>) {
  let value: { at: number; promise: Promise<T> } | undefined;
  return {
    get: (): Promise<T> => {
      if (!value || Date.now() - value.at > ms) {
        const promise = load();
        const entry = { at: Date.now(), promise };
        value = entry;
        // A failure is not cached: the next caller tries again.
        promise.catch(() => {
          if (value === entry) value = undefined;
        });
      }
      return value.promise;
    },
    clear: () => {
      value = undefined;
    },
  };
}
