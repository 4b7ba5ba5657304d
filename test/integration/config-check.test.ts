/**
 * `resync config check` on the command line: every problem of a config in one run — the schema's,
 * the ones across keys, and what the source's $metadata says of the resources — and a non-zero exit.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../scripts/lib/paths';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'resync-config-check-'));

// Each run of this file keeps its $metadata copies to itself.
const metadataCache = join(dir, 'metadata-cache');

async function configCheck(value: unknown, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, `export default ${JSON.stringify(value)};`);
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', fromRoot('worker/cli.ts'), '--config', file, 'config', 'check', ...args],
      { cwd: fromRoot(), env: { ...process.env, RESYNC_METADATA_CACHE: metadataCache } },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('resync config check', () => {
  let sim: SimulatorHandle;

  beforeAll(async () => {
    sim = await startSimulator({ records: 10, seed: 16, port: 0 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('reports every problem in one run, the MLS’s view of the resources included', async () => {
    const r = await configCheck({
      sources: {
        demo: {
          url: sim.url,
          schedules: { sync: '*/61 * * * *' },
          resources: [{ name: 'Property', filter: "StandardStatus eq 'Active' or", cursorField: 'LastChanged' }],
        },
      },
      destinations: {
        main: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/mls' },
        backup: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/backup' },
      },
      control: { url: 'mysql://root@127.0.0.1:3306/resync' },
    });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^Invalid config .*\.mjs:$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}- sources\.demo\.schedules\.sync: .*"\*\/61" has a step over 59/),
      '  - sources.demo.destinations: is required when there is more than one destination: list the ones this source writes to (main, backup)',
      expect.stringMatching(/^ {2}- sources\.demo\.resources\.0\.filter: is not a valid OData \$filter: /),
      expect.stringMatching(/^ {2}- sources\.demo\.resources\.0\.cursorField: "LastChanged" is not a field of Property in \$metadata/),
    ]);
  });

  it('checks against the last $metadata it saw when the MLS does not answer, and says so', async () => {
    const mls = await startSimulator({ records: 5, seed: 17, port: 0 });
    const value = {
      sources: { down: { url: mls.url, resources: [{ name: 'Property', cursorField: 'LastChanged' }] } },
      destinations: { main: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/mls' } },
      control: { url: 'mysql://root@127.0.0.1:3306/resync' },
    };
    const cursorProblem = expect.stringMatching(/sources\.down\.resources\.0\.cursorField: "LastChanged" is not a field of Property/);
    const online = await configCheck(value, ['--json']);
    expect(JSON.parse(online.stdout)).toEqual(expect.objectContaining({ ok: false, problems: [cursorProblem], notes: [] }));

    await mls.close();
    const offline = await configCheck(value, ['--json']);
    expect(offline.code).toBe(1);
    const report = JSON.parse(offline.stdout) as { problems: string[]; notes: string[] };
    expect(report.problems).toEqual([cursorProblem]);
    expect(report.notes).toEqual([
      expect.stringMatching(/^sources\.down: \$metadata checked against the copy kept on \d{4}-.* \(it did not answer: .*\)$/),
    ]);
    // --offline asks nothing and uses the same copy.
    const noRequests = JSON.parse((await configCheck(value, ['--json', '--offline'])).stdout) as { problems: string[]; notes: string[] };
    expect(noRequests.problems).toEqual([cursorProblem]);
    expect(noRequests.notes).toEqual([expect.stringMatching(/copy kept on .* \(offline\)$/)]);

    // A source never seen before has no copy: it is left to its first run, as before.
    const unseen = await configCheck({ ...value, sources: { down: { ...value.sources.down, url: `${mls.url}/other` } } }, ['--json']);
    expect(unseen.code).toBe(0);
    expect((JSON.parse(unseen.stdout) as { notes: string[] }).notes).toEqual([expect.stringMatching(/\$metadata not checked/)]);
  });
});
