/** Bad configs: each gets a message naming the key, and a non-zero exit. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../scripts/lib/paths';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'resync-cli-'));

async function configCheck(content: string): Promise<{ code: number; output: string }> {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, content);
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', fromRoot('worker/cli.ts'), '--config', file, 'config', 'check'],
      { cwd: fromRoot() },
    );
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

const good = {
  sources: { demo: { url: 'http://127.0.0.1:1/odata', resources: [{ name: 'Property' }] } },
  destinations: { main: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/mls' } },
  control: { url: 'mysql://root@127.0.0.1:3306/resync' },
};
const withSource = (extra: object) =>
  `export default ${JSON.stringify({ ...good, sources: { demo: { ...good.sources.demo, ...extra } } })};`;

describe('resync config check', () => {
  it('accepts a valid config', async () => {
    const r = await configCheck(`export default ${JSON.stringify(good)};`);
    expect(r.output).toContain('config OK');
    expect(r.code).toBe(0);
  });

  it.each([
    ['an unknown key', withSource({ pagesize: 5 }), 'sources.demo.pagesize: unknown key'],
    ['a wrong type', withSource({ requestTimeoutMs: 'fast' }), 'sources.demo.requestTimeoutMs:'],
    ['a missing URL', withSource({ url: undefined }), 'sources.demo.url:'],
    [
      'a bad destination URL',
      `export default ${JSON.stringify({ ...good, destinations: { main: { type: 'mysql', url: 'postgres://x/y' } } })};`,
      'destinations.main.url:',
    ],
    ['a syntax error', 'export default {', 'could not be loaded'],
  ])('refuses %s with a message naming it', async (_what, content, message) => {
    const r = await configCheck(content);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(message);
  });
});
