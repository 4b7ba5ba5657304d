/**
 * The built CLI loads a package when a command needs it, not at start: in one bundle file esbuild
 * hoists every package any command imports to the top, and `resync --version` (and every worker)
 * loaded the Temporal SDK, both SQL clients, the dashboard and the mailer.
 */
import { readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build';

const run = promisify(execFile);

/** Packages the entry file imports statically (`import … from "pkg"`, not `node:` built-ins or chunks). */
function staticPackageImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/^import\s[^;]*?from\s*"([^"]+)";/gms), ...text.matchAll(/^import\s*"([^"]+)";/gm)].map((m) => m[1]!);
  return [...new Set(found.filter((s) => !s.startsWith('node:') && !s.startsWith('.')))].sort();
}

describe('the built CLI loads packages per command', () => {
  let cli: string;
  beforeAll(async () => {
    cli = await buildCli();
  }, 120_000);

  it('starts without the Temporal SDK, the database clients, the dashboard or the mailer', () => {
    const packages = staticPackageImports(cli);
    for (const heavy of ['@temporalio/worker', '@temporalio/client', 'mysql2/promise', 'pg', 'nodemailer', 'fastify', 'drizzle-orm']) {
      expect(packages, `${heavy} is imported by dist/resync.mjs at start`).not.toContain(heavy);
    }
  });

  it('still runs a command whose code is in a chunk', async () => {
    const { stdout } = await run(process.execPath, [cli, '--version']);
    expect(stdout).toMatch(/^resync \d+\.\d+\.\d+/);
    const help = await run(process.execPath, [cli, 'sync', '--help']);
    expect(help.stdout).toContain('Usage: resync sync');
  });
});
