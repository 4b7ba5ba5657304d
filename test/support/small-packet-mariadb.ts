/**
 * A throwaway MariaDB of the test's own, started with a server option the shared one must not
 * change (e.g. `max_allowed_packet` = 1 MiB: the session value is read-only, and a GLOBAL change on
 * the shared server would reach every other test file running at the same time). Small buffers,
 * a temp data dir, stopped and removed by `stop()`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { findFreePort } from '../../scripts/lib/net';
import { runCommand, terminate, which } from '../../scripts/lib/proc';

export interface PrivateMariaDb {
  /** `mysql://root@127.0.0.1:<port>` */
  url: string;
  stop(): Promise<void>;
}

const sbin = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin'];

export async function startPrivateMariaDb(serverOptions: string[]): Promise<PrivateMariaDb> {
  const server = (await which('mariadbd', sbin)) ?? (await which('mysqld', sbin));
  const installDb = (await which('mariadb-install-db', sbin)) ?? (await which('mysql_install_db', sbin));
  if (!server || !installDb) throw new Error('mariadbd and mariadb-install-db are needed for this test (npx tsx scripts/setup.ts)');
  const base = await mkdtemp(join(tmpdir(), 'resync-mdb-'));
  const dataDir = join(base, 'data');
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  const small = ['--innodb-buffer-pool-size=16M', '--innodb-log-file-size=8M'];
  const init = await runCommand(
    installDb,
    ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asRoot, ...small],
    { timeoutMs: 120_000 },
  );
  if (init.code !== 0) throw new Error(`${installDb} failed: ${(init.stderr || init.stdout).slice(-2000)}`);
  const port = await findFreePort();
  const child = spawn(
    server,
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(base, 's.sock')}`,
      `--log-error=${join(base, 'error.log')}`,
      '--skip-name-resolve',
      '--sql-mode=STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
      ...asRoot,
      ...small,
      ...serverOptions,
    ],
    { stdio: 'ignore' },
  );
  const url = `mysql://root@127.0.0.1:${port}`;
  const stop = async () => {
    if (child.pid && child.exitCode === null) await terminate(child.pid, 30_000);
    await rm(base, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const conn = await createConnection({ uri: url, connectTimeout: 1000 });
      await conn.end();
      return { url, stop };
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`private MariaDB did not start: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
