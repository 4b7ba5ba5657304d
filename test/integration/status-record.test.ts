/**
 * `resync status` and `resync record` through the CLI, after a real sync: counts and newest
 * timestamps that match, and exactly the one field a person changed by hand in a destination.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig, withDatabase, type Config } from '../../config';
import { fromRoot } from '../../scripts/lib/paths';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import type { StatusReport } from '../../worker/inspect/status';
import type { RecordReport } from '../../worker/inspect/record';
import { dropDatabases, query, runSync, uniqueName, withWorker, writeConfigFile } from '../support/stack';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(configFile: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', fromRoot('worker', 'cli.ts'), '--config', configFile, ...args],
      { cwd: fromRoot() },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('status and record', () => {
  let sim: SimulatorHandle;
  let config: Config;
  let configFile: string;

  beforeAll(async () => {
    sim = await startSimulator({ records: 120, seed: 51, port: 0 });
    const server = inject('mysqlServerUrl');
    const input = {
      sources: { sim: { url: sim.url, destinations: ['one', 'two'], resources: [{ name: 'Property', pageSize: 50 }] } },
      destinations: {
        one: { type: 'mysql', url: withDatabase(server, uniqueName('t_one')) },
        two: { type: 'mysql', url: withDatabase(server, uniqueName('t_two')) },
      },
      control: { url: withDatabase(server, uniqueName('t_control')) },
      temporal: { address: inject('temporalAddress'), taskQueue: uniqueName('tq') },
      logging: { level: 'warn', dir: fromRoot('logs', 'test') },
    };
    config = parseConfig(input);
    configFile = writeConfigFile(input);
    await withWorker(config, () => runSync(config, 'sim'));
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  it('status --json shows the MLS and every destination in step after a sync', async () => {
    const r = await cli(configFile, ['status', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as StatusReport;
    expect(report.problems).toEqual([]);
    const [property] = report.sources.find((s) => s.source === 'sim')!.resources;
    expect(property!.mls.count).toBe(120);
    expect(property!.mls.newest).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(property!.destinations.map((d) => [d.name, d.count, d.countMatches, d.newestMatches])).toEqual([
      ['one', 120, true, true],
      ['two', 120, true, true],
    ]);
    expect(property!.lastRuns.sync).toMatchObject({ outcome: 'succeeded', downloaded: 120 });
    expect(property!.lastRuns.purge).toBeNull();
    expect(property!.running).toEqual([]);
  });

  it('status notices a destination that fell behind', async () => {
    const [key] = sim.dataset.liveKeys();
    await query(config.destinations.two!.url, 'DELETE FROM `Property` WHERE `ListingKey` = ?', [key]);
    const report = JSON.parse((await cli(configFile, ['status', 'sim', '--json'])).stdout) as StatusReport;
    const two = report.sources[0]!.resources[0]!.destinations.find((d) => d.name === 'two')!;
    expect([two.count, two.countMatches]).toEqual([119, false]);
    const text = await cli(configFile, ['status', 'sim']);
    expect(text.stdout).toMatch(/two\s+119 records, newest .* out of step: missing 1/);
  });

  it('record shows exactly the one field changed by hand in one destination', async () => {
    const key = sim.dataset.liveKeys()[5]!;
    await query(config.destinations.one!.url, "UPDATE `Property` SET `City` = 'Changed By Hand' WHERE `ListingKey` = ?", [key]);
    const r = await cli(configFile, ['record', 'sim', 'Property', key, '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as RecordReport;
    expect(report.inMls).toBe(true);
    const one = report.destinations.find((d) => d.name === 'one')!;
    const two = report.destinations.find((d) => d.name === 'two')!;
    expect(one.state).toBe('different');
    expect(one.differences).toEqual([
      { field: 'City', column: 'City', mls: sim.dataset.getRecord(key)!.City, destination: 'Changed By Hand' },
    ]);
    expect(two).toMatchObject({ state: 'identical', differences: [] });
    expect(one.equal).toBe(two.equal - 1);
    expect(one.equal).toBeGreaterThan(20);

    const text = await cli(configFile, ['record', 'sim', 'Property', key]);
    expect(text.stdout).toContain(`one (table Property): 1 field differs, ${one.equal} equal`);
    expect(text.stdout).toContain('"Changed By Hand"');
    expect(text.stdout).toContain(`two (table Property): identical (${two.equal} fields)`);

    const untouched = await cli(configFile, ['record', 'sim', 'Property', sim.dataset.liveKeys()[7]!]);
    expect(untouched.code).toBe(0);
  });
});
