/** Bad configs: each gets a message naming the key, and a non-zero exit. */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build';
import { fromRoot } from '../../scripts/lib/paths';
import { distRunner, runCli, tsxRunner } from '../support/cli';

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

/**
 * A config lives wherever the operator keeps it, with no node_modules: it imports defineConfig by the
 * package name, which resolves to this checkout, and loads as an ES module (TypeScript, top-level
 * await, its own local imports), from the sources through tsx and from the build alike.
 */
describe('a TypeScript config in a folder outside the checkout', () => {
  const made: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };

  beforeAll(async () => {
    await buildCli();
  });

  afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  const runners = [tsxRunner, distRunner];

  it.each(runners.map((r) => [r.name, r] as const))('imports defineConfig by package name and loads (%s)', async (_name, runner) => {
    const dir = tempDir('resync-own-config-');
    writeFileSync(
      join(dir, 'sources.ts'),
      `import type { ConfigInput } from '@resync-mls/resync';
export const sources: ConfigInput['sources'] = {
  demo: { url: await Promise.resolve('http://127.0.0.1:1/odata'), resources: [{ name: 'Property' }] },
};
`,
    );
    const file = join(dir, 'resync.config.ts');
    writeFileSync(
      file,
      `import { defineConfig } from '@resync-mls/resync';
import { sources } from './sources';

const control: string = 'mysql://root@127.0.0.1:3306/resync';
export default defineConfig({
  sources,
  destinations: { main: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/mls' } },
  control: { url: control },
});
`,
    );
    const r = await runCli(runner, ['--config', file, 'config', 'check', '--offline', '--json'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file, ok: true });
  });

  it('loads a JavaScript config without TypeScript support, and adds it for one that imports a TypeScript file (dist)', async () => {
    const dir = tempDir('resync-js-config-');
    // Typed, so it only loads with TypeScript support.
    writeFileSync(join(dir, 'typed.ts'), `export const control: string = 'mysql://root@127.0.0.1:3306/resync';\n`);
    const body = (controlFrom: string) => `import { defineConfig } from '@resync-mls/resync';
${controlFrom}
export default defineConfig({
  sources: { demo: { url: 'http://127.0.0.1:1/odata', resources: [{ name: 'Property' }] } },
  destinations: { main: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/mls' } },
  control: { url: control },
});
`;
    // Plain JavaScript: TypeScript support must not be there (the typed file must not load).
    writeFileSync(
      join(dir, 'plain.config.mjs'),
      body(`const probe = await import('./typed.ts').then(() => 'loaded', () => 'not loaded');
if (probe === 'loaded') throw new Error('TypeScript support was loaded for a JavaScript config');
const control = 'mysql://root@127.0.0.1:3306/resync';`),
    );
    writeFileSync(join(dir, 'mixed.config.mjs'), body(`import { control } from './typed.ts';`));
    // Self-contained (as a generated config is): loaded without the module hooks, even under a
    // CommonJS package.json.
    writeFileSync(join(dir, 'package.json'), '{ "type": "commonjs" }\n');
    writeFileSync(
      join(dir, 'generated.config.mjs'),
      `import { env } from 'node:process';
export default {
  sources: { demo: { url: 'http://127.0.0.1:1/odata', resources: [{ name: 'Property' }] } },
  destinations: { main: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/mls' } },
  control: { url: env.RESYNC_TEST_CONTROL_URL ?? 'mysql://root@127.0.0.1:3306/resync' },
};
`,
    );
    for (const file of ['plain.config.mjs', 'mixed.config.mjs', 'generated.config.mjs']) {
      const r = await runCli(distRunner, ['--config', file, 'config', 'check', '--offline', '--json'], { cwd: dir });
      expect(r.code, file + r.stdout + r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ file: join(dir, file), ok: true });
    }
  });

  it.each(runners.map((r) => [r.name, r] as const))('loads config/config.example.ts copied there (%s)', async (_name, runner) => {
    const dir = tempDir('resync-example-');
    copyFileSync(fromRoot('config', 'config.example.ts'), join(dir, 'my.config.ts'));
    // Relative to the folder the command runs in, as the example's header says.
    const r = await runCli(runner, ['--config', './my.config.ts', 'config', 'check', '--offline', '--json'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file: join(dir, 'my.config.ts'), ok: true });
  });
});
