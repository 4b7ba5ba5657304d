/**
 * Starts what the integration tests talk to, once per `vitest run`: a Temporal dev server on free
 * ports with an in-memory store (attached: it dies with the run), and the project-local MariaDB
 * (or $RESYNC_MYSQL_URL). Tests read the addresses with inject().
 */
import type { TestProject } from 'vitest/node';
import { ensureMariaDb, ensureTemporalCli } from '../../scripts/lib/setup-steps';
import { findFreePort, loadTemporalDevConfig, startTemporalDev } from '../../scripts/lib/temporal-dev';
import { fromRoot } from '../../scripts/lib/paths';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    mysqlServerUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cli = await ensureTemporalCli();
  const db = await ensureMariaDb();
  const config = await loadTemporalDevConfig();
  const server = await startTemporalDev({
    config,
    overrides: { port: await findFreePort(), uiPort: await findFreePort(), dbFilename: null },
    detached: false,
    cliPath: cli.path,
    logFile: fromRoot('logs', 'temporal-test.log'),
  });
  project.provide('temporalAddress', server.address);
  project.provide('mysqlServerUrl', db.url);
  return async () => {
    await server.stop();
  };
}
