// Installs a Debian package with apt-get (update, then install without recommends), as setup does
// for MariaDB and Chromium when they are missing and we are root. The output is long and rarely
// interesting, so it goes to logs/apt-<package>.log; a failure quotes its last lines.
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Log } from './log';
import { paths } from './paths';
import { indent, runCommand } from './proc';

export async function aptInstall(pkg: string, log: Log): Promise<void> {
  await mkdir(paths.logs, { recursive: true });
  const logFile = join(paths.logs, `apt-${pkg}.log`);
  const handle = await open(logFile, 'a');
  try {
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', pkg]]) {
      log(`  apt-get ${args.join(' ')} (output in ${logFile})`);
      const result = await runCommand('apt-get', args, {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        onLine: (line) => void handle.write(line + '\n'),
      });
      if (result.code !== 0) {
        throw new Error(
          `\`apt-get ${args.join(' ')}\` failed (exit ${result.code}); last lines of ${logFile}:\n` +
            indent((result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n')),
        );
      }
    }
  } finally {
    await handle.close();
  }
}
