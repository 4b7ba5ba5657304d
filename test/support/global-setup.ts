/**
 * Starts what the integration tests talk to, once per `vitest run`: a Temporal dev server on free
 * ports with an in-memory store (attached: it dies with the run), and the project-local MariaDB,
 * PostgreSQL and Solr (or $RESYNC_MYSQL_URL, $RESYNC_PG_URL, $RESYNC_SOLR_URL), which stay running
 * like after `npm run setup`. Tests read the addresses with inject().
 */
import type { TestProject } from 'vitest/node';
import { ensureMariaDb, ensurePostgres, ensureSolr, ensureTemporalCli } from '../../scripts/lib/setup-steps';
import { findFreePort, loadTemporalDevConfig, startTemporalDev } from '../../scripts/lib/temporal-dev';
import { fromRoot } from '../../scripts/lib/paths';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    mysqlServerUrl: string;
    /** A PostgreSQL server URL with superuser rights, e.g. postgres://postgres@127.0.0.1:5433/postgres. */
    pgServerUrl: string;
    /** A standalone Solr node's base URL, e.g. http://127.0.0.1:8993/solr. */
    solrUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cli = await ensureTemporalCli();
  // Independent servers: start them side by side (each is a no-op when already running).
  const [db, postgres, solr] = await Promise.all([ensureMariaDb(), ensurePostgres(), ensureSolr()]);
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
  project.provide('pgServerUrl', postgres.url);
  project.provide('solrUrl', solr.url);
  return async () => {
    await server.stop();
  };
}
