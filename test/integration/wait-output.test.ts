/**
 * `--wait` with its output going to a pipe (a file, a CI log): plain progress lines while the run
 * goes on — including a retry with its attempt and its last error — rather than silence until the
 * end; for `sync --wait` and for `schedules trigger --wait`.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { parseConfig, type Config } from '../../config';
import { fromRoot } from '../../scripts/lib/paths';
import { scheduleId } from '../../workflows/names';
import { dropDatabases, temporalClient, testConfigInput, uniqueName, withWorker, writeConfigFile } from '../support/stack';

/** Schedule IDs are per namespace: a name of its own keeps this test's schedule apart. */
const SOURCE = uniqueName('wait');

describe('--wait into a pipe', () => {
  let sim: SimulatorHandle;
  let config: Config;
  let configFile: string;

  beforeAll(async () => {
    // Slow pages: the run lasts some seconds, long enough for lines while it goes on.
    sim = await startSimulator({ records: 400, seed: 3, port: 0, latencyMs: 150 });
    const base = testConfigInput({ simulatorUrl: sim.url, pageSize: 40, source: SOURCE });
    // A schedule that is never due while the test runs: its run is started by a trigger.
    const input = { ...base, sources: { [SOURCE]: { ...base.sources[SOURCE]!, schedules: { sync: '0 0 1 1 *' } } } };
    config = parseConfig(input);
    configFile = writeConfigFile(input);
  });

  afterAll(async () => {
    if (config) {
      const client = await temporalClient(config);
      await client.schedule
        .getHandle(scheduleId(SOURCE, 'sync'))
        .delete()
        .catch(() => undefined);
      await client.connection.close();
    }
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  it('sync --wait prints plain progress lines, retries with their last error, then the outcome', async () => {
    // Two failed $metadata requests: prepareSync is retried twice before the pages come.
    sim.faults.add({ kind: '5xx', status: 502, count: 2, match: '$metadata' });
    const { code, stdout } = await withWorker(config, () => runCli(['--config', configFile, 'sync', SOURCE, '--wait']));
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter(Boolean);
    expect(stdout).not.toContain('\r');
    const progress = lines.filter((l) => l.startsWith('Property: ') && !l.startsWith('Property: ok'));
    expect(progress.length, stdout).toBeGreaterThanOrEqual(2);
    expect(
      progress.some((l) => /retry \d+ of prepareSync: SourceUnavailable: .*502/.test(l)),
      stdout,
    ).toBe(true);
    expect(
      progress.some((l) => l.includes('downloading')),
      stdout,
    ).toBe(true);
    // The outcome comes last.
    expect(lines.findIndex((l) => l.startsWith('Property: ok'))).toBeGreaterThan(lines.indexOf(progress[0]!));
  });

  it('schedules trigger --wait prints the progress of the resource the run is on', async () => {
    sim.dataset.touch(200);
    const { code, stdout } = await withWorker(config, async () => {
      expect((await runCli(['--config', configFile, 'schedules', 'apply'])).code).toBe(0);
      return runCli(['--config', configFile, 'schedules', 'trigger', SOURCE, '-p', 'sync', '--wait']);
    });
    expect(code, stdout).toBe(0);
    const lines = stdout.split('\n').filter(Boolean);
    expect(stdout).not.toContain('\r');
    const firstProgress = lines.findIndex((l) => l.startsWith('Property: downloading'));
    expect(firstProgress, stdout).toBeGreaterThanOrEqual(0);
    expect(
      lines.findIndex((l) => l.endsWith(': ok')),
      stdout,
    ).toBeGreaterThan(firstProgress);
  });

  it('schedules trigger says "skipped" and starts nothing while a run of the source is going', async () => {
    // No worker: the sync started here stays open, as a long run would.
    const client = await temporalClient(config);
    try {
      expect((await runCli(['--config', configFile, 'schedules', 'apply'])).code).toBe(0);
      const started = await runCli(['--config', configFile, 'sync', SOURCE]);
      expect(started.code, started.stdout + started.stderr).toBe(0);
      const before = (await client.schedule.getHandle(scheduleId(SOURCE, 'sync')).describe()).info.recentActions.length;
      const { code, stdout } = await runCli(['--config', configFile, 'schedules', 'trigger', SOURCE, '-p', 'sync']);
      expect(code, stdout).toBe(2);
      expect(stdout).toContain(`skipped — still running: sync/${SOURCE}/Property; nothing was started`);
      const after = (await client.schedule.getHandle(scheduleId(SOURCE, 'sync')).describe()).info.recentActions.length;
      expect(after).toBe(before);
    } finally {
      await client.workflow
        .getHandle(`sync/${SOURCE}/Property`)
        .terminate('test over')
        .catch(() => undefined);
      await client.connection.close();
    }
  });
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fromRoot('worker', 'cli.ts'), ...args], {
      cwd: fromRoot(),
      // Pipes, not a terminal: what `resync sync --wait > sync.log` sees.
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
