/**
 * The registry has an unrelated package named `resync`: a command that lets npm look `resync` up
 * there would run a stranger's code with the operator's secrets in its environment. The documented
 * commands must run this checkout's CLI and nothing else. Proven on a clean copy of the checkout (the
 * files a clone has, installed with `npm ci` as the README says), then run with the registry
 * unreachable and from a folder outside the copy: each answer is one only this CLI can give.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRoot } from '../../scripts/lib/paths';

const run = promisify(execFile);

/** Nothing listens on port 9 (discard): every registry request fails at once, and is not retried. */
const NO_REGISTRY = { ...process.env, npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0' };

interface Ran {
  code: number;
  output: string;
}

async function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = NO_REGISTRY): Promise<Ran> {
  try {
    const { stdout, stderr } = await run('npm', args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: `${e.stdout}${e.stderr}` };
  }
}

/** The files a clone of this checkout would hold: tracked ones and new ones git does not ignore. */
function copyAsClone(to: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: fromRoot() })
    .toString()
    .split('\0')
    .filter((f) => f !== '' && existsSync(fromRoot(f)));
  for (const file of files) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(fromRoot(file), join(to, file), { verbatimSymlinks: true });
  }
}

describe('the documented commands run this checkout’s CLI, never a registry package', () => {
  const base = mkdtempSync(join(tmpdir(), 'resync-clone-'));
  const clone = join(base, 'resync');
  const elsewhere = join(base, 'ops');
  const version = (JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version: string }).version;
  const ours = `resync ${version} (@resync-mls/resync, ${clone})`;

  beforeAll(async () => {
    copyAsClone(clone);
    mkdirSync(elsewhere);
    // Installing needs the registry (or npm's cache); running must not.
    const install = await npm(['ci', '--prefer-offline', '--no-audit', '--no-fund'], clone, process.env);
    expect(install.code, install.output).toBe(0);
  }, 600_000);

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('the registry is really out of reach in these commands', async () => {
    const lookup = await npm(['view', 'resync', 'version'], elsewhere);
    expect(lookup.code).not.toBe(0);
    expect(lookup.output).toMatch(/127\.0\.0\.1:9|ECONNREFUSED/);
  });

  it('npm ci links the bin: node_modules/.bin/resync is this checkout’s', async () => {
    const { stdout } = await run(join(clone, 'node_modules', '.bin', 'resync'), ['--version'], { cwd: elsewhere, env: NO_REGISTRY });
    expect(stdout.trim()).toBe(ours);
  });

  it('npm run resync, from a folder outside the checkout, loads the operator’s config there', async () => {
    writeFileSync(
      join(elsewhere, 'resync.config.ts'),
      `import { defineConfig } from '@resync-mls/resync';
export default defineConfig({
  sources: { demo: { url: 'http://127.0.0.1:1/odata', resources: [{ name: 'Property' }] } },
  destinations: { main: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/mls' } },
  control: { url: 'mysql://root@127.0.0.1:3306/resync' },
});
`,
    );
    const version = await npm(['--prefix', clone, 'run', '--silent', 'resync', '--', '--version'], elsewhere);
    expect(version.output.trim()).toBe(ours);
    const check = await npm(
      ['--prefix', clone, 'run', '--silent', 'resync', '--', '--config', './resync.config.ts', 'config', 'check', '--offline', '--json'],
      elsewhere,
    );
    expect(check.code, check.output).toBe(0);
    expect(JSON.parse(check.output)).toMatchObject({ file: join(elsewhere, 'resync.config.ts'), ok: true });
  });

  it('npm exec (npx) of resync inside the checkout resolves to the linked bin, without asking the registry', async () => {
    const ran = await npm(['exec', '--no', '--', 'resync', '--version'], join(clone, 'config'));
    expect(ran.code, ran.output).toBe(0);
    expect(ran.output.trim()).toBe(ours);
  });
});
