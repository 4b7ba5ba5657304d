/**
 * Everything a route needs, built once per server: the config, a Temporal client, the history
 * reader, the counts cache, a Runtime for MLS requests, and short-lived snapshots of what Temporal
 * says, so several pages polling at once cost Temporal one listing, not one each.
 */
import { Client, Connection, type ScheduleSummary } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import { Runtime } from '../../activities/runtime';
import { StatsStore } from '../../activities/stats/store';
import type { RunningWorkflow } from './api-types';
import { CountsService } from './counts';
import { isPortOpen } from '../../scripts/lib/net';
import { HistoryReader } from './history';
import { HttpError } from './http';
import { scrub } from './scrub';
import { listRunning, listScheduleSummaries } from './temporal';

/** How long one answer of Temporal serves every request: under the pages' 2-second poll. */
const SNAPSHOT_MS = 1000;
const REACHABLE_MS = 3000;

/** Whether anything accepts TCP connections at Temporal's host:port (no TLS or gRPC involved). */
async function temporalListening(address: string): Promise<boolean> {
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) return true; // an address form we do not parse: let gRPC find out
  return isPortOpen(m[1]!, Number(m[2]), 1000);
}

export interface DashboardContext {
  config: Config;
  client: Client;
  history: HistoryReader;
  counts: CountsService;
  runtime: Runtime;
  logger: Logger;
  tokenRequired: boolean;
  running(): Promise<RunningWorkflow[]>;
  scheduleSummaries(): Promise<Map<string, ScheduleSummary>>;
  typicalDurations(): Promise<Map<string, number>>;
  /**
   * Runs a Temporal read for a page that is worth showing without it: on failure, the fallback
   * and a sentence for the page's banner.
   */
  orElse<T>(read: () => Promise<T>, fallback: T, failures: string[]): Promise<T>;
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
  // Lazy: the dashboard starts while Temporal is down (the history is still worth reading) and
  // connects on the first call; pages show Temporal's absence instead of failing to load.
  const client =
    opts.client ?? new Client({ connection: Connection.lazy({ address: config.temporal.address }), namespace: config.temporal.namespace });
  const runtime = new Runtime(config, logger.child({ component: 'mls' }));
  // A refused TCP connect answers at once, while gRPC keeps retrying until its timeout: with
  // Temporal down, every poll would wait twenty seconds. Probed at most every few seconds.
  const reachable = snapshot(REACHABLE_MS, () => temporalListening(config.temporal.address));
  const fromTemporal =
    <T>(read: () => Promise<T>) =>
    async (): Promise<T> => {
      if (!(await reachable.get()))
        throw new HttpError(503, `Temporal is not reachable: nothing is listening at ${config.temporal.address}`);
      return read();
    };
  const running = snapshot(
    SNAPSHOT_MS,
    fromTemporal(() => listRunning(client, config)),
  );
  const schedules = snapshot(
    SNAPSHOT_MS,
    fromTemporal(() => listScheduleSummaries(client, config)),
  );
  const history = new HistoryReader(stats.db);
  const durations = snapshot(30_000, () => history.typicalDurations());
  // Shared by every counts read: one history query a second tells them all which runs ended.
  const runEnds = snapshot(SNAPSHOT_MS, () => history.lastRunEnds());
  return {
    config,
    client,
    history,
    counts: new CountsService(config, runtime, opts.countsFreshMs, async (source) => (await runEnds.get()).get(source) ?? new Map()),
    runtime,
    logger,
    tokenRequired: opts.tokenRequired,
    running: running.get,
    scheduleSummaries: schedules.get,
    typicalDurations: durations.get,
    async orElse(read, fallback, failures) {
      try {
        return await fromTemporal(read)();
      } catch (err) {
        const message = scrub((err as Error).message);
        failures.push(err instanceof HttpError ? message : `Temporal at ${config.temporal.address} could not be asked: ${message}`);
        return fallback;
      }
    },
    invalidate() {
      running.clear();
      schedules.clear();
    },
    async close() {
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
