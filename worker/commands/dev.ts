/**
 * `resync dev` / `npm start`: the whole local stack on embedded defaults — Temporal dev server,
 * MariaDB, PostgreSQL and Solr when the config writes to them on this machine, a simulator with
 * demo listings and a worker — then a sync of every configured source.
 * With --once it prints a JSON summary as its last line and exits 0 only when every destination
 * holds every record; otherwise it keeps running until Ctrl-C and stops what it started.
 */
import { consoleLog } from '../../scripts/lib/log';
import { freePortPreferring } from '../../scripts/lib/net';
import { ensureMariaDb, ensureTemporalCli } from '../../scripts/lib/setup-steps';
import { defaultTemporalDevPidFile, loadTemporalDevConfig, startTemporalDev, type TemporalDevServer } from '../../scripts/lib/temporal-dev';
import { stopMariaDb } from '../../scripts/lib/mariadb';
import type { Client } from '@temporalio/client';
import type { Runtime } from '../../activities';
import { loadConfig, type Config } from '../../config';
import { startSimulator } from '../../simulator/server';
import { SEARCH_ATTRIBUTES } from '../../workflows/names';
import { connectClient, workflowUiUrl } from '../temporal';
import { startWorker } from '../worker';
import { describeOutcome, startSync, waitForSync, type SyncOutcome } from './sync';
import { mlsCount as countAtMls } from '../inspect/mls';
import { launchDashboard } from '../../dashboard/server/command';
import { startLocalServers } from './dev-servers';

export interface DevOptions {
  once: boolean;
  records: number;
  configPath?: string;
}

export async function runDev(opts: DevOptions): Promise<number> {
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error(`while stopping: ${(err as Error).message}`));
  };
  try {
    await ensureTemporalCli(consoleLog);
    const db = await ensureMariaDb({ log: consoleLog });
    if (db.started) stops.push(() => stopMariaDb());
    // The demo config reads $RESYNC_MYSQL_URL; point it at the server setup gave us.
    process.env.RESYNC_MYSQL_URL ??= db.url;
    const { config, file } = await loadConfig(opts.configPath);
    consoleLog(`config: ${file}`);
    // PostgreSQL and Solr only when a destination on this machine needs them.
    stops.push(...(await startLocalServers(config, consoleLog)));

    const temporal = await startTemporal(config);
    if (temporal.started) stops.push(() => temporal.stop());

    const simulators = await startLocalSimulators(config, opts.records);
    for (const sim of simulators) stops.push(() => sim.close());

    const worker = await startWorker(config, { console: false });
    stops.push(() => worker.shutdown());
    consoleLog(`worker on task queue ${config.temporal.taskQueue}; logs in ${config.logging.dir}/`);

    if (!opts.once) {
      // The dashboard is a window on the stack, not part of it: a busy port only costs the window.
      const dashboard = await launchDashboard({ config, host: '127.0.0.1', port: 4000, console: false }).catch(
        (err: Error) => void consoleLog(`dashboard not started: ${err.message}`),
      );
      if (dashboard) stops.push(() => dashboard.close());
      if (dashboard) consoleLog(`dashboard: ${dashboard.url}`);
    }
    const client = await connectClient(config);
    stops.push(() => client.connection.close());
    const outcomes: SyncOutcome[] = [];
    for (const [source, src] of Object.entries(config.sources)) {
      for (const { name: resource } of src.resources) {
        const handle = await startSync(client, config, source, resource);
        consoleLog(`sync ${source}/${resource}: ${workflowUiUrl(config, handle.workflowId)}`);
        const outcome = await waitForSync(handle, resource, (line) => consoleLog(line));
        outcomes.push(outcome);
        consoleLog(describeOutcome(config, outcome));
      }
    }

    const summary = await summarize(config, worker.runtime, client);
    printWhereToLook(config, temporal, summary);
    const complete = outcomes.every((o) => o.ok) && Object.values(summary.destinations).every((n) => n === summary.mlsCount);

    if (opts.once) {
      await stopAll();
      console.log(JSON.stringify(summary));
      return complete ? 0 : 1;
    }
    consoleLog('running; press Ctrl-C to stop');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await stopAll();
    return 0;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function startTemporal(config: Config): Promise<TemporalDevServer> {
  const devConfig = await loadTemporalDevConfig();
  const [host, port] = splitAddress(config.temporal.address);
  // A dev server on another port than temporal-dev.yaml's is a second, separate one: it gets its
  // own SQLite file and pid file so it can never share state with the first.
  const separate = port !== devConfig.port;
  const server = await startTemporalDev({
    config: devConfig,
    overrides: {
      ip: host,
      port,
      namespace: config.temporal.namespace,
      ...(separate
        ? { uiPort: await freePortPreferring(port + 1000, host), dbFilename: devConfig.dbFilename?.replace(/\.db$/, `-${port}.db`) ?? null }
        : {}),
    },
    detached: true,
    ...(separate ? { pidFile: defaultTemporalDevPidFile.replace(/\.pid$/, `-${port}.pid`) } : {}),
    log: consoleLog,
  });
  consoleLog(
    `Temporal ${server.started ? 'started' : 'already running'} at ${server.address}${server.uiUrl ? `; Web UI ${server.uiUrl}` : ''}`,
  );
  return server;
}

/** Starts a simulator for every source whose URL points at this machine's default simulator port. */
async function startLocalSimulators(config: Config, records: number) {
  const started = [];
  const seen = new Set<string>();
  for (const src of Object.values(config.sources)) {
    const url = new URL(src.url);
    if (!['127.0.0.1', 'localhost'].includes(url.hostname) || seen.has(url.host)) continue;
    seen.add(url.host);
    const sim = await startSimulator({ host: '127.0.0.1', port: Number(url.port), records, seed: 1 });
    consoleLog(`simulator with ${records} listings at ${sim.url}`);
    started.push(sim);
  }
  return started;
}

interface Summary {
  mlsCount: number;
  destinations: Record<string, number>;
  workflows: { workflowId: string; searchAttributes: Record<string, unknown> }[];
}

async function summarize(config: Config, runtime: Runtime, client: Client): Promise<Summary> {
  let mlsCount = 0;
  const destinations: Record<string, number> = {};
  const workflows: Summary['workflows'] = [];
  for (const [source, src] of Object.entries(config.sources)) {
    for (const r of src.resources) {
      const model = await runtime.resourceModel(source, r.name);
      // The count `resync status` asks (activities/source/requests.ts): live records, the filter as the platform takes it.
      mlsCount += (await countAtMls(runtime, model)) ?? 0;
      for (const dest of runtime.destinationsFor(source))
        destinations[dest.name] = (destinations[dest.name] ?? 0) + (await dest.count(model));
    }
    // What the Web UI shows: runs found by their search attributes.
    for await (const wf of client.workflow.list({ query: `${SEARCH_ATTRIBUTES.source.name} = "${source}"` })) {
      workflows.push({
        workflowId: wf.workflowId,
        searchAttributes: Object.fromEntries(
          [SEARCH_ATTRIBUTES.source, SEARCH_ATTRIBUTES.resource, SEARCH_ATTRIBUTES.process, SEARCH_ATTRIBUTES.records].map((k) => [
            k.name,
            wf.typedSearchAttributes.get(k as never),
          ]),
        ),
      });
      if (workflows.length >= 5) break;
    }
  }
  return { mlsCount, destinations, workflows };
}

function printWhereToLook(config: Config, temporal: TemporalDevServer, summary: Summary): void {
  consoleLog('');
  consoleLog(`Temporal Web UI: ${temporal.uiUrl ?? '(headless)'} — filter with ResyncSource = "<source>"`);
  for (const [name, dest] of Object.entries(config.destinations)) {
    const u = new URL(dest.url);
    if (dest.type === 'solr') {
      consoleLog(
        `destination ${name}: Solr at ${u.host}${u.pathname} — ${summary.destinations[name] ?? 0} documents (MLS: ${summary.mlsCount})`,
      );
      continue;
    }
    consoleLog(
      `destination ${name}: database ${u.pathname.slice(1)} on ${u.host} — ${summary.destinations[name] ?? 0} rows (MLS: ${summary.mlsCount})`,
    );
  }
  consoleLog(`run history: table resync_runs in ${new URL(config.control.url).pathname.slice(1)}`);
}

function splitAddress(address: string): [string, number] {
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) throw new Error(`temporal.address ${address} is not host:port`);
  return [m[1]!, Number(m[2])];
}
