#!/usr/bin/env node
/**
 * The `resync` command line. Each command loads only what it needs (dynamic imports), so
 * `resync --help` and `resync config check` stay fast.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config';
import type { Client } from '@temporalio/client';
import type { ProcessName } from '../workflows/names';
import { versionLine } from './version';

const program = new Command('resync')
  .description('Replicates MLS data from RESO Web API platforms into MySQL/MariaDB, on Temporal.')
  .option('-c, --config <file>', 'config file (default: $RESYNC_CONFIG, else the demo config)')
  .version(versionLine(), '-V, --version', 'print the version and the checkout it runs from')
  .showHelpAfterError();

function intOption(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number`);
    return n;
  };
}

async function config(): Promise<Config> {
  return (await loadConfig(program.opts<{ config?: string }>().config)).config;
}

/**
 * The config, and the modules a short command needs, loaded meanwhile: the Temporal client alone is
 * a third of a second of loading, and loading the config waits on file reads (and on Node's module
 * hooks). Long-running commands (worker, dashboard) load theirs first instead.
 */
async function configWith<T>(modules: Promise<T>): Promise<[Config, T]> {
  modules.catch(() => undefined); // awaited below, unless the config fails first
  const c = await config();
  return [c, await modules];
}

program
  .command('config')
  .description('configuration commands')
  .command('check')
  .description("validate the config file, and each resource against its source's $metadata; every problem at once")
  .option('--json', 'machine-readable output')
  .option('--offline', 'do not fetch $metadata (check against the copy last kept, if any)')
  .action(async (opts: { json?: boolean; offline?: boolean }) => {
    const { checkConfigFile, configSummary, formatConfigCheck } = await import('./commands/config-check');
    const report = await checkConfigFile(program.opts<{ config?: string }>().config, { metadata: !opts.offline });
    if (opts.json) {
      const { file, problems, notes, config: c } = report;
      const summary = c && problems.length === 0 ? configSummary(c) : {};
      console.log(JSON.stringify({ file, ok: problems.length === 0, problems, notes, ...summary }, null, 2));
    } else {
      const { stdout, stderr } = formatConfigCheck(report);
      if (stderr) console.error(stderr);
      if (stdout) console.log(stdout);
    }
    if (report.problems.length > 0) process.exitCode = 1;
  });

program
  .command('worker')
  .description('run a worker: hosts the workflows and activities on the task queue')
  .action(async () => {
    // Its modules load before the config's hooks (or TypeScript support) are registered, so they never go through them.
    const { startWorker } = await import('./worker');
    const c = await config();
    const running = await startWorker(c);
    // Printed whatever the log level: scripts and tests wait for this line.
    console.log(`resync worker ready (task queue ${c.temporal.taskQueue}, ${c.temporal.address})`);
    const stop = () => void running.shutdown();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await running.done;
  });

program
  .command('sync')
  .description('start an incremental sync of a source (all its resources, or --resource)')
  .argument('<source>', 'source name from the config')
  .option('-r, --resource <name...>', 'only these resources')
  .option('-w, --wait', 'wait for the end, showing progress; exit 1 when a run failed')
  .option('--json', 'print the outcome as JSON')
  .action(async (source: string, opts: { resource?: string[]; wait?: boolean; json?: boolean }) => {
    const [c, [{ startSync, waitForSync, resourcesToRun, describeOutcome }, { connectClient, workflowUiUrl }, progressLines]] =
      await configWith(Promise.all([import('./commands/sync'), import('./temporal'), import('./progress-lines')]));
    const resources = resourcesToRun(c, source, opts.resource);
    const client = await connectClient(c);
    const outcomes = [];
    for (const resource of resources) {
      const handle = await startSync(client, c, source, resource);
      if (!opts.wait) {
        console.log(
          opts.json
            ? JSON.stringify({ resource, workflowId: handle.workflowId })
            : `started ${handle.workflowId}  ${workflowUiUrl(c, handle.workflowId)}`,
        );
        continue;
      }
      const printer = progressLines.progressPrinter({ tty: process.stdout.isTTY === true, json: opts.json === true });
      const outcome = await waitForSync(handle, resource, printer.print);
      printer.end();
      outcomes.push(outcome);
      console.log(opts.json ? JSON.stringify(outcome) : describeOutcome(c, outcome));
    }
    await client.connection.close();
    if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
  });

program
  .command('metadata')
  .description('summarise a $metadata document: per resource the key, field count, cursor fields and problems')
  .argument('<file-or-source>', 'an EDMX file, or a source name from the config')
  .option('--json', 'machine-readable output')
  .action(async (target: string, opts: { json?: boolean }) => {
    const { metadataCommand } = await import('./commands/metadata');
    console.log(await metadataCommand(target, { json: !!opts.json }, config));
  });

program
  .command('schema')
  .description('destination schema commands')
  .command('apply')
  .description('create or migrate destination tables from $metadata, without syncing')
  .requiredOption('-m, --metadata <file-or-source>', 'an EDMX file, or a source name from the config')
  .option('--mysql <url>', "database to apply to, mysql://user:pass@host:port/db (default: the source's destinations)")
  .option('--postgres <url>', 'PostgreSQL database to make tables in, postgres://user:pass@host:port/db')
  .option('--solr <url>', 'Solr node to make cores and fields on, e.g. http://127.0.0.1:8983/solr')
  .option('-r, --resource <name...>', 'only these resources (default: every one with a key and a ModificationTimestamp)')
  .option('--dry-run', 'print the DDL that would run; change nothing')
  .option('--table-prefix <prefix>', 'put this before every table (or Solr core) name')
  .action(
    async (opts: {
      metadata: string;
      mysql?: string;
      postgres?: string;
      solr?: string;
      resource?: string[];
      dryRun?: boolean;
      tablePrefix?: string;
    }) => {
      const { runSchemaApply } = await import('./commands/schema');
      const summary = await runSchemaApply(opts.metadata, opts, config);
      // The others were applied; a resource that could not be must still fail scripts.
      if (summary.failed.length > 0) process.exitCode = 1;
    },
  );

program
  .command('simulator')
  .description('run the simulated MLS (a RESO Web API server)')
  .option('-p, --port <port>', 'port to listen on', intOption('port'), 8089)
  .option('-n, --records <n>', 'number of Property records', intOption('records'), 5000)
  .option('-s, --seed <seed>', 'seed for the generated data', intOption('seed'), 1)
  .addOption(
    new Option('--personality <name>', 'platform behaviour to imitate')
      .choices(['generic', 'trestle', 'mlsgrid', 'bridge', 'spark', 'utahrealestate', 'rmls'])
      .default('generic'),
  )
  .action(async (opts: { port: number; records: number; seed: number; personality: 'generic' }) => {
    const { runSimulatorCommand } = await import('./commands/simulator');
    await runSimulatorCommand(opts);
  });

program
  .command('temporal')
  .description('run the Temporal dev server from temporal-dev.yaml (Web UI included)')
  .option('-f, --file <path>', "dev server config (default: the checkout's temporal-dev.yaml)")
  .action(async (opts: { file?: string }) => {
    const { runTemporalCommand } = await import('./commands/temporal');
    const { operatorPath } = await import('../config/operator-path');
    const { fromRoot } = await import('../scripts/lib/paths');
    await runTemporalCommand({ file: opts.file ? operatorPath(opts.file) : fromRoot('temporal-dev.yaml') });
  });

program
  .command('dashboard')
  .description('serve the dashboard (status pages and JSON API) over Temporal and the run history')
  .option('-p, --port <port>', 'port to listen on', intOption('port'), 4000)
  .option('--host <address>', 'address to bind; any but loopback needs $RESYNC_DASHBOARD_TOKEN for changes', '127.0.0.1')
  .option(
    '--allow-host <host[:port]>',
    "another name the dashboard answers to, e.g. a reverse proxy's (repeatable; also $RESYNC_DASHBOARD_ALLOWED_HOSTS)",
    (value: string, previous: string[]) => [...previous, value],
    [] as string[],
  )
  .action(async (opts: { port: number; host: string; allowHost: string[] }) => {
    const { runDashboardCommand } = await import('../dashboard/server/command');
    await runDashboardCommand({ config: await config(), port: opts.port, host: opts.host, allowedHosts: opts.allowHost });
  });

program
  .command('dev')
  .description('start the whole local stack (Temporal, MariaDB, simulator, worker) and sync the demo source')
  .option('--once', 'sync once, print a JSON summary as the last line and exit (0 only when every destination holds every record)')
  .option('-n, --records <n>', 'listings in the simulator', intOption('records'), 5000)
  .action(async (opts: { once?: boolean; records: number }) => {
    const { runDev } = await import('./commands/dev');
    process.exitCode = await runDev({ once: !!opts.once, records: opts.records, configPath: program.opts<{ config?: string }>().config });
  });

function processOption(required: boolean) {
  const option = new Option('-p, --process <process>', 'sync, purge or reconcile').choices(['sync', 'purge', 'reconcile']);
  return required ? option.makeOptionMandatory() : option;
}

// purge and reconcile: the same command shape as sync, over their own workflows.
for (const [name, description] of [
  ['purge', 'delete destination rows whose key the MLS no longer has (all resources, or --resource)'],
  ['reconcile', 're-fetch records missing or stale in a destination (all resources, or --resource)'],
] as const) {
  program
    .command(name)
    .description(description)
    .argument('<source>', 'source name from the config')
    .option('-r, --resource <name...>', 'only these resources')
    .option('-w, --wait', 'wait for the end, showing progress; exit 1 when a run failed')
    .option('--json', 'print the outcome as JSON')
    .action(async (source: string, opts: { resource?: string[]; wait?: boolean; json?: boolean }) => {
      const [c, [{ runProcessCommand }, { connectClient }]] = await configWith(
        Promise.all([import('./commands/resource-runs'), import('./temporal')]),
      );
      const client = await connectClient(c);
      try {
        process.exitCode = await runProcessCommand(c, client, name, source, opts);
      } finally {
        await client.connection.close();
      }
    });
}

/** Runs a schedules subcommand with a Temporal client; its result is the exit code. */
async function withClient(fn: (client: Client, c: Config) => Promise<number>): Promise<void> {
  const [c, { connectClient }] = await configWith(import('./temporal'));
  const client = await connectClient(c);
  try {
    process.exitCode = await fn(client, c);
  } finally {
    await client.connection.close();
  }
}

const schedules = program
  .command('schedules')
  .description('Temporal Schedules from the config: one per source and process with a cron (resync:<source>:<process>)');

schedules
  .command('apply')
  .description("create or update the config's schedules (idempotent; keeps pauses) and pause managed ones no longer in the config")
  .option('--json', 'machine-readable output')
  .action(async (opts: { json?: boolean }) => {
    const { applyCommand } = await import('./commands/schedules');
    await withClient((client, c) => applyCommand(client, c, opts));
  });

schedules
  .command('list')
  .description('each schedule: state, note, next runs and how the last run ended')
  .option('--json', 'machine-readable output')
  .action(async (opts: { json?: boolean }) => {
    const { listCommand } = await import('./commands/schedules');
    await withClient((client, c) => listCommand(client, c, opts));
  });

schedules
  .command('pause')
  .description("pause a source's schedules (or one process's) with a note")
  .argument('<source>', 'source name')
  .addOption(processOption(false))
  .option('--note <text>', 'why (shown in the Web UI and by schedules list)')
  .option('--json', 'machine-readable output')
  .action(async (source: string, opts: { process?: ProcessName; note?: string; json?: boolean }) => {
    const { pauseCommand } = await import('./commands/schedules');
    await withClient((client) => pauseCommand(client, source, opts));
  });

schedules
  .command('resume')
  .description("resume a source's paused schedules (or one process's)")
  .argument('<source>', 'source name')
  .addOption(processOption(false))
  .option('--note <text>', 'replaces the pause note')
  .option('--json', 'machine-readable output')
  .action(async (source: string, opts: { process?: ProcessName; note?: string; json?: boolean }) => {
    const { resumeCommand } = await import('./commands/schedules');
    await withClient((client) => resumeCommand(client, source, opts));
  });

schedules
  .command('trigger')
  .description("run a schedule's action now, unless its previous run is still going (then exit 2: skipped)")
  .argument('<source>', 'source name')
  .addOption(processOption(true))
  .option('-w, --wait', 'wait for the run and print each resource outcome; exit 1 when it failed')
  .option('--json', 'machine-readable output')
  .action(async (source: string, opts: { process: ProcessName; wait?: boolean; json?: boolean }) => {
    const { triggerCommand } = await import('./commands/schedules');
    await withClient((client, c) => triggerCommand(client, c, source, opts));
  });

program
  .command('status')
  .description('per source and resource: last runs, MLS vs destination counts and newest timestamps, runs in progress')
  .argument('[source]', 'only this source')
  .option('--json', 'machine-readable output')
  .action(async (source: string | undefined, opts: { json?: boolean }) => {
    const [c, { statusCommand }] = await configWith(import('./commands/inspect'));
    process.exitCode = await statusCommand(c, source, opts);
  });

program
  .command('record')
  .description('one record from the MLS against every destination: the fields that differ and how many are equal')
  .argument('<source>', 'source name')
  .argument('<resource>', 'resource name, e.g. Property')
  .argument('<key>', "the record's key, e.g. the ListingKey")
  .option('--json', 'machine-readable output')
  .action(async (source: string, resource: string, key: string, opts: { json?: boolean }) => {
    const [c, { recordCommand }] = await configWith(import('./commands/inspect'));
    process.exitCode = await recordCommand(c, source, resource, key, opts);
  });

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    console.error(`resync: ${(err as Error).message ?? String(err)}`);
  }
  process.exit(1);
});
