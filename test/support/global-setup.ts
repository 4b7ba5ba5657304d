/**
 * Starts what the integration tests talk to, once per `vitest run`: a Temporal dev server on free
 * ports with an in-memory store (attached: it dies with the run), and the project-local MariaDB,
 * PostgreSQL, Solr and S3 server (or $RESYNC_MYSQL_URL, $RESYNC_PG_URL, $RESYNC_SOLR_URL, $RESYNC_S3_URL), which stay running
 * like after `npm run setup`. Tests read the addresses with inject().
 */
import type { TestProject } from 'vitest/node';
import { ensureMariaDb, ensurePostgres, ensureS3, ensureSolr, ensureTemporalCli } from '../../scripts/lib/setup-steps';
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
    /** An S3-compatible endpoint (path-style), e.g. http://127.0.0.1:9010; tests create their own buckets. */
    s3Url: string;
    /** Credentials and region to sign S3 requests with. */
    s3Credentials: { accessKeyId: string; secretAccessKey: string; region: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cli = await ensureTemporalCli();
  // Independent servers: start them side by side (each is a no-op when already running).
  const [db, postgres, solr, s3] = await Promise.all([ensureMariaDb(), ensurePostgres(), ensureSolr(), ensureS3()]);
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
  project.provide('s3Url', s3.url);
  project.provide('s3Credentials', s3.credentials);
  return async () => {
    await server.stop();
  };
}
