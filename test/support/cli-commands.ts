/**
 * Every `resync` command, run for real against a simulator, the test MariaDB and the test Temporal
 * server: the finite ones must end by themselves with their exit code, the servers must answer and
 * stop when told. Shared by the termination test (sources through tsx) and the build test (dist/).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseConfig, type Config } from '../../config';
import { fromRoot } from '../../scripts/lib/paths';
import { findFreePort } from '../../scripts/lib/temporal-dev';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { runCli, startCli, type CliOptions, type CliResult, type CliRunner } from './cli';
import { dropDatabases, testConfigInput, uniqueName, writeConfigFile } from './stack';

export const METADATA_FIXTURE = fromRoot('test', 'fixtures', 'metadata', 'trestle-2019.xml');

export interface CommandContext {
  sim: SimulatorHandle;
  config: Config;
  configFile: string;
  source: string;
}

export interface FiniteCommand {
  /** The command as a person would type it (test titles). */
  name: string;
  args: (ctx: CommandContext) => string[];
  /** The exit code it must end with. */
  code: number;
  /** Printed (stdout or stderr) when it did its job. */
  prints: (ctx: CommandContext) => RegExp;
}

const withConfig = (ctx: CommandContext, ...args: string[]) => ['--config', ctx.configFile, ...args];

/**
 * In an order that works: the schema before the sync, a sync before the record and the status, the
 * schedules applied before they are paused. A worker (the `worker` command) must be running.
 */
export const FINITE_COMMANDS: readonly FiniteCommand[] = [
  { name: '--version', args: () => ['--version'], code: 0, prints: () => /^resync \d+\.\d+\.\d+ \(@resync-mls\/resync, /m },
  { name: '--help', args: () => ['--help'], code: 0, prints: () => /Usage: resync/ },
  { name: 'config check', args: (c) => withConfig(c, 'config', 'check'), code: 0, prints: (c) => new RegExp(escape(c.configFile)) },
  { name: 'metadata <file>', args: () => ['metadata', METADATA_FIXTURE], code: 0, prints: () => /^RESOURCE\s+KEY/m },
  { name: 'metadata <source>', args: (c) => withConfig(c, 'metadata', c.source), code: 0, prints: () => /^Property\s+ListingKey/m },
  {
    name: 'schema apply -m <file> --dry-run --mysql <url>',
    args: (c) => [
      'schema',
      'apply',
      '-m',
      METADATA_FIXTURE,
      '--dry-run',
      '--mysql',
      Object.values(c.config.destinations)[0]!.url,
      '-r',
      'Property',
    ],
    code: 0,
    prints: () => /CREATE TABLE `Property`/,
  },
  { name: 'schema apply -m <source>', args: (c) => withConfig(c, 'schema', 'apply', '-m', c.source), code: 0, prints: () => /Property/ },
  {
    name: 'sync <source>',
    args: (c) => withConfig(c, 'sync', c.source),
    code: 0,
    prints: (c) => new RegExp(`started sync/${c.source}/Property`),
  },
  { name: 'sync <source> --wait', args: (c) => withConfig(c, 'sync', c.source, '--wait'), code: 0, prints: () => /Property/ },
  { name: 'purge <source> --wait', args: (c) => withConfig(c, 'purge', c.source, '--wait'), code: 0, prints: () => /Property/ },
  { name: 'reconcile <source> --wait', args: (c) => withConfig(c, 'reconcile', c.source, '--wait'), code: 0, prints: () => /Property/ },
  { name: 'status', args: (c) => withConfig(c, 'status'), code: 0, prints: (c) => new RegExp(c.source) },
  { name: 'status <source>', args: (c) => withConfig(c, 'status', c.source), code: 0, prints: () => /Property/ },
  {
    name: 'record <source> Property <key>',
    args: (c) => withConfig(c, 'record', c.source, 'Property', c.sim.dataset.liveKeys()[0]!),
    code: 0,
    prints: (c) => new RegExp(escape(c.sim.dataset.liveKeys()[0]!)),
  },
  {
    name: 'schedules apply',
    args: (c) => withConfig(c, 'schedules', 'apply'),
    code: 0,
    prints: (c) => new RegExp(`resync:${c.source}:sync`),
  },
  {
    name: 'schedules list',
    args: (c) => withConfig(c, 'schedules', 'list'),
    code: 0,
    prints: (c) => new RegExp(`resync:${c.source}:sync`),
  },
  {
    name: 'schedules pause <source>',
    args: (c) => withConfig(c, 'schedules', 'pause', c.source, '--note', 'cli test'),
    code: 0,
    prints: () => /paus/,
  },
  { name: 'schedules resume <source>', args: (c) => withConfig(c, 'schedules', 'resume', c.source), code: 0, prints: () => /resum/ },
  {
    name: 'schedules trigger <source> -p sync --wait',
    args: (c) => withConfig(c, 'schedules', 'trigger', c.source, '-p', 'sync', '--wait'),
    code: 0,
    prints: () => /Property/,
  },
  // Failures end too, with their message and a non-zero code.
  {
    name: 'metadata <no such source>',
    args: (c) => withConfig(c, 'metadata', 'no_such_source'),
    code: 1,
    prints: () => /no_such_source is neither a file nor a source in the config/,
  },
  {
    name: 'sync <source> -r <no such resource>',
    args: (c) => withConfig(c, 'sync', c.source, '-r', 'Nope'),
    code: 1,
    prints: () => /has no resource Nope/,
  },
];

/** A simulator and a config on fresh databases and a task queue of their own, written to a file. */
export async function commandContext(): Promise<CommandContext> {
  const sim = await startSimulator({ records: 200, seed: 11, port: 0 });
  const source = uniqueName('cli');
  const input = testConfigInput({ simulatorUrl: sim.url, source });
  // A yearly schedule: the schedules commands have one to work on, and it never fires by itself.
  const withSchedule = {
    ...input,
    sources: { [source]: { ...input.sources[source]!, schedules: { sync: '0 0 1 1 *' } } },
  };
  return { sim, source, config: parseConfig(withSchedule), configFile: writeConfigFile(withSchedule) };
}

export async function closeContext(ctx: CommandContext | undefined): Promise<void> {
  if (!ctx) return;
  await ctx.sim.close();
  await dropDatabases(ctx.config);
}

/** Runs one finite command and checks that it ended by itself, with its code, having done its job. */
export async function expectFinite(
  runner: CliRunner,
  command: FiniteCommand,
  ctx: CommandContext,
  opts: CliOptions = {},
): Promise<CliResult> {
  const args = command.args(ctx);
  const result = await runCli(runner, args, opts);
  const output = `${result.stdout}${result.stderr}`;
  const what = `resync ${args.join(' ')} (${runner.name})`;
  expect(result.killed, `${what} did not exit by itself; output:\n${output}`).toBe(false);
  expect(result.code, `${what} exit code; output:\n${output}`).toBe(command.code);
  expect(output, what).toMatch(command.prints(ctx));
  return result;
}

/** Starts the worker of the context's config and waits until it polls. */
export async function startWorkerCommand(runner: CliRunner, ctx: CommandContext, opts: CliOptions = {}) {
  const worker = startCli(runner, withConfig(ctx, 'worker'), opts);
  await worker.waitFor(/resync worker ready/);
  return worker;
}

/** A temporal-dev.yaml of its own: free ports, in memory, no UI. */
export async function temporalDevFile(dir: string): Promise<{ file: string; port: number }> {
  const port = await findFreePort();
  const file = join(dir, 'temporal-dev.yaml');
  writeFileSync(file, `ip: 127.0.0.1\nport: ${port}\nui: false\ndbFilename: null\nlogLevel: warn\n`);
  return { file, port };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
