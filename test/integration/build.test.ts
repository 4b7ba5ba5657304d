import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildCli, DIST_LAUNCHER } from '../../scripts/build';
import { DEMO_CONFIG_PATH, parseConfig, withDatabase } from '../../config';
import { fromRoot } from '../../scripts/lib/paths';
import { findFreePort } from '../../scripts/lib/temporal-dev';
import { distRunner, runCli, startCli, type RunningCli } from '../support/cli';
import {
  closeContext,
  commandContext,
  expectFinite,
  FINITE_COMMANDS,
  startWorkerCommand,
  temporalDevFile,
  type CommandContext,
} from '../support/cli-commands';
import { dropDatabases, uniqueName, writeConfigFile } from '../support/stack';

const run = promisify(execFile);

describe('the built CLI (dist/resync.mjs, plain Node)', () => {
  it('runs without tsx and still loads a TypeScript config', async () => {
    const cli = await buildCli();
    const { stdout } = await run(process.execPath, [cli, '--config', DEMO_CONFIG_PATH, 'config', 'check'], { cwd: fromRoot('dist') });
    expect(stdout).toContain(DEMO_CONFIG_PATH);
    expect(stdout).toContain('"demo"');
  });

  it('says what is wrong with a bad config, as the sources do', async () => {
    const cli = await buildCli();
    const err = await run(process.execPath, [
      cli,
      '--config',
      fromRoot('test', 'fixtures', 'does-not-exist.config.ts'),
      'config',
      'check',
    ]).catch((e: unknown) => e as { code: number; stderr: string });
    expect((err as { code: number }).code).not.toBe(0);
    expect((err as { stderr: string }).stderr).toContain('file not found');
  });
});

/**
 * `dist/resync` starts node with settings a process must have from its start (glibc's allocator,
 * V8's young generation). A stand-in for node shows exactly what it was given.
 */
describe('the launcher, dist/resync', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resync-launcher-'));
  const fakeNode = join(dir, 'fake node');
  const linked = join(dir, 'resync');

  beforeAll(async () => {
    await buildCli();
    writeFileSync(
      fakeNode,
      `#!${process.execPath}\nconst { MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_ } = process.env;\n` +
        `console.log(JSON.stringify({ args: process.argv.slice(2), MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_ }));\n`,
    );
    chmodSync(fakeNode, 0o755);
    // As an operator may put it on the PATH.
    symlinkSync(DIST_LAUNCHER, linked);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const launch = async (env: Record<string, string>) => {
    const { stdout } = await run(linked, ['--config', 'my config.ts', 'worker'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', RESYNC_NODE: fakeNode, ...env },
    });
    return JSON.parse(stdout) as { args: string[]; MALLOC_ARENA_MAX?: string; MALLOC_MMAP_THRESHOLD_?: string };
  };

  it("sets resync's defaults and finds resync.mjs through a symlink", async () => {
    expect(await launch({})).toEqual({
      args: ['--max-semi-space-size=4', fromRoot('dist', 'resync.mjs'), '--config', 'my config.ts', 'worker'],
      MALLOC_ARENA_MAX: '2',
      MALLOC_MMAP_THRESHOLD_: '131072',
    });
  });

  it("keeps the operator's own settings and passes RESYNC_NODE_FLAGS to node", async () => {
    const given = await launch({
      MALLOC_ARENA_MAX: '4',
      MALLOC_MMAP_THRESHOLD_: '65536',
      RESYNC_NODE_FLAGS: '--cpu-prof --max-semi-space-size=8 *',
    });
    expect(given).toEqual({
      args: ['--cpu-prof', '--max-semi-space-size=8', '*', fromRoot('dist', 'resync.mjs'), '--config', 'my config.ts', 'worker'],
      MALLOC_ARENA_MAX: '4',
      MALLOC_MMAP_THRESHOLD_: '65536',
    });
    const withOptions = await launch({ NODE_OPTIONS: '--max-semi-space-size=2' });
    expect(withOptions.args[0]).toBe(fromRoot('dist', 'resync.mjs'));
  });

  it('runs a real command on the real node', async () => {
    const { stdout } = await run(linked, ['--version'], { cwd: dir });
    expect(stdout).toMatch(/^resync \d+\.\d+\.\d+/);
  });
});

/**
 * Production runs `dist/resync <command>` (node on dist/resync.mjs) from wherever the operator is, so every command
 * runs here from a folder outside the checkout: the finite ones end by themselves with their exit
 * code, the servers answer and stop on SIGTERM.
 */
describe('every command of the built CLI, from a folder outside the checkout', () => {
  const elsewhere = mkdtempSync(join(tmpdir(), 'resync-dist-'));
  let ctx: CommandContext;
  let worker: RunningCli | undefined;

  beforeAll(async () => {
    await buildCli();
    ctx = await commandContext();
    worker = await startWorkerCommand(distRunner, ctx, { cwd: elsewhere });
  });

  afterAll(async () => {
    await worker?.stop();
    await closeContext(ctx);
    rmSync(elsewhere, { recursive: true, force: true });
  });

  for (const command of FINITE_COMMANDS) {
    it(`resync ${command.name}`, async () => {
      await expectFinite(distRunner, command, ctx, { cwd: elsewhere });
    });
  }

  it('resync worker: polls its task queue, stops on SIGTERM', async () => {
    const stopped = await worker!.stop();
    worker = undefined;
    expect(stopped.killed, stopped.stdout + stopped.stderr).toBe(false);
    expect(stopped.code).toBe(0);
  });

  it('resync dashboard: serves the API and the web app, stops on SIGTERM', async () => {
    const port = await findFreePort();
    const dashboard = startCli(distRunner, ['--config', ctx.configFile, 'dashboard', '--port', String(port)], { cwd: elsewhere });
    try {
      const [, url] = await dashboard.waitFor(/resync dashboard at (\S+)/);
      const meta = (await (await fetch(new URL('/api/meta', url))).json()) as { version: string; sources: { name: string }[] };
      expect(meta.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(JSON.stringify(meta.sources)).toContain(ctx.source);
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
    } finally {
      const stopped = await dashboard.stop();
      expect(stopped.killed, dashboard.output()).toBe(false);
    }
  });

  it('resync simulator: serves $metadata, stops on SIGTERM', async () => {
    const port = await findFreePort();
    const simulator = startCli(distRunner, ['simulator', '--port', String(port), '--records', '50'], { cwd: elsewhere });
    try {
      const [, url] = await simulator.waitFor(/: (http:\S+\/odata)\n/);
      const metadata = await fetch(`${url}/$metadata`);
      expect(metadata.status).toBe(200);
      expect(await metadata.text()).toContain('EntityType Name="Property"');
    } finally {
      const stopped = await simulator.stop();
      expect(stopped.killed, simulator.output()).toBe(false);
    }
  });

  it('resync temporal: starts the dev server from a given file, stops it on SIGTERM', async () => {
    const { file, port } = await temporalDevFile(elsewhere);
    const temporal = startCli(distRunner, ['temporal', '-f', file], { cwd: elsewhere });
    try {
      await temporal.waitFor(new RegExp(`Temporal frontend 127\\.0\\.0\\.1:${port}`));
    } finally {
      const stopped = await temporal.stop();
      expect(stopped.killed, temporal.output()).toBe(false);
    }
  });

  it('resync dev --once: brings the stack up, syncs, prints the summary and exits', async () => {
    const server = inject('mysqlServerUrl');
    const [simPort, temporalPort] = [await findFreePort(), await findFreePort()];
    const input = {
      sources: { demo: { platform: 'generic', url: `http://127.0.0.1:${simPort}/odata`, resources: [{ name: 'Property' }] } },
      destinations: { main: { type: 'mysql', url: withDatabase(server, uniqueName('t_dev')) } },
      control: { url: withDatabase(server, uniqueName('t_dev_control')) },
      temporal: { address: `127.0.0.1:${temporalPort}`, taskQueue: uniqueName('tq') },
      logging: { level: 'warn', dir: fromRoot('logs', 'test') },
    };
    try {
      const result = await runCli(distRunner, ['--config', writeConfigFile(input), 'dev', '--once', '--records', '100'], {
        cwd: elsewhere,
        env: { ...process.env, RESYNC_MYSQL_URL: server },
        limitMs: 300_000,
      });
      expect(result.killed, result.stdout + result.stderr).toBe(false);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(JSON.parse(lines[lines.length - 1]!)).toMatchObject({ mlsCount: 100, destinations: { main: 100 } });
    } finally {
      await dropDatabases(parseConfig(input));
    }
  });
});
