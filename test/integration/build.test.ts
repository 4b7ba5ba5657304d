import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build';
import { DEMO_CONFIG_PATH } from '../../config';
import { fromRoot } from '../../scripts/lib/paths';

const run = promisify(execFile);

describe('the built CLI (dist/resync.mjs, plain Node)', () => {
  it('runs without tsx and still loads a TypeScript config', async () => {
    const cli = await buildCli();
    const { stdout } = await run(process.execPath, [cli, '--config', DEMO_CONFIG_PATH, 'config', 'check'], { cwd: fromRoot('dist') });
    expect(stdout).toContain(`config OK: ${DEMO_CONFIG_PATH}`);
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
