// `npx tsx scripts/record-histories.ts`: runs the workflows once against a throwaway stack and
// saves their histories under test/replay/histories/, where test/replay/replay.test.ts replays
// them against the current workflow code. Record again only for an intended, versioned change.
import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseConfig, withDatabase } from '../config';
import { startSimulator } from '../simulator/server';
import { startWorker } from '../worker/worker';
import { connectClient } from '../worker/temporal';
import { startSync } from '../worker/commands/sync';
import { startResourceRun } from '../worker/commands/resource-runs';
import { fromRoot } from './lib/paths';
import { consoleLog } from './lib/log';
import { ensureMariaDb, ensureTemporalCli } from './lib/setup-steps';
import { findFreePort, loadTemporalDevConfig, startTemporalDev } from './lib/temporal-dev';

const cli = await ensureTemporalCli(consoleLog);
const db = await ensureMariaDb({ log: consoleLog });
const temporal = await startTemporalDev({
  config: await loadTemporalDevConfig(),
  overrides: { port: await findFreePort(), uiPort: await findFreePort(), dbFilename: null, ui: false },
  detached: false,
  cliPath: cli.path,
});
const sim = await startSimulator({ records: 300, seed: 3, port: 0 });
const config = parseConfig({
  sources: { demo: { url: sim.url, resources: [{ name: 'Property', pageSize: 100 }] } },
  destinations: { main: { type: 'mysql', url: withDatabase(db.url, 'resync_record_histories') } },
  control: { url: withDatabase(db.url, 'resync_record_histories_control') },
  temporal: { address: temporal.address },
  logging: { level: 'warn', dir: 'logs' },
});
/** The CLI's JSON export is the format historyFromJSON reads. */
function save(name: string, workflowId: string): void {
  const json = execFileSync(
    cli.path,
    ['workflow', 'show', '--address', temporal.address, '--workflow-id', workflowId, '--output', 'json'],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  writeFileSync(fromRoot(`test/replay/histories/${name}.json`), json);
}

const worker = await startWorker(config, { console: false });
const client = await connectClient(config);
try {
  const sync = await startSync(client, config, 'demo', 'Property');
  await sync.result();
  save('sync-resource', sync.workflowId);
  const run = await client.workflow.start('runSource', {
    taskQueue: config.temporal.taskQueue,
    workflowId: 'run/demo/sync-record',
    args: [{ source: 'demo', process: 'sync' }],
  });
  await run.result();
  save('run-source', run.workflowId);
  // Nothing changed since: the MLS counts an empty window, so the run reads no page.
  const unchanged = await startSync(client, config, 'demo', 'Property');
  await unchanged.result();
  save('sync-resource-unchanged', unchanged.workflowId);
  // Purge with something to delete, reconcile with something stale to restore.
  sim.dataset.remove(sim.dataset.liveKeys().slice(0, 3));
  const purge = await startResourceRun(client, config, 'purge', 'demo', 'Property');
  await purge.result();
  save('purge-resource', purge.workflowId);
  sim.dataset.touch(5);
  const reconcile = await startResourceRun(client, config, 'reconcile', 'demo', 'Property');
  await reconcile.result();
  save('reconcile-resource', reconcile.workflowId);
  consoleLog('histories written to test/replay/histories/');
} finally {
  await client.connection.close();
  await worker.shutdown();
  await sim.close();
  await temporal.stop();
}
