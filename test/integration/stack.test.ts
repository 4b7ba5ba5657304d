// The local stack as setup and `npm start` bring it up: a real Temporal dev server (own
// free ports, in-memory DB, attached so it dies with the test) and the project MariaDB.
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { createConnection } from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMariaDb } from '../../scripts/lib/mariadb';
import { paths } from '../../scripts/lib/paths';
import { findTemporalCli } from '../../scripts/lib/temporal-cli';
import type { TemporalDevConfig, TemporalDevServer } from '../../scripts/lib/temporal-dev';
import {
  ensureNamespaceSettings,
  findFreePort,
  isTemporalServing,
  loadTemporalDevConfig,
  startTemporalDev,
} from '../../scripts/lib/temporal-dev';

// IndexedValueType wire numbers for the attribute types used below.
const KEYWORD = 2;
const INT = 3;

describe('Temporal dev server launcher', () => {
  let config: TemporalDevConfig;
  let server: TemporalDevServer | undefined;
  let connection: Connection | undefined;

  beforeAll(async () => {
    const cli = await findTemporalCli();
    if (!cli) throw new Error('Temporal CLI not found: run `npm run setup` or set $TEMPORAL_CLI');
    config = await loadTemporalDevConfig();
    const port = await findFreePort();
    server = await startTemporalDev({
      config,
      overrides: { port, uiPort: await findFreePort(), dbFilename: null },
      detached: false,
      cliPath: cli.path,
      logFile: join(paths.logs, 'test-stack-temporal-dev.log'),
    });
    connection = await Connection.connect({ address: server.address });
  }, 120_000);

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  }, 30_000);

  it('started a server of its own on the requested address', () => {
    expect(server?.started).toBe(true);
    expect(server?.pid).toBeGreaterThan(0);
    expect(server?.namespace).toBe('default');
  });

  it('registered the resync search attributes', async () => {
    const { customAttributes } = await connection!.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(customAttributes).toMatchObject({
      ResyncSource: KEYWORD,
      ResyncResource: KEYWORD,
      ResyncProcess: KEYWORD,
      ResyncRecords: INT,
    });
  });

  it('set the namespace retention from the config', async () => {
    const described = await connection!.workflowService.describeNamespace({ namespace: 'default' });
    expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(720 * 3600);
  });

  it('adds missing attributes and is idempotent on a second run', async () => {
    const settings = {
      address: server!.address,
      namespace: 'default',
      searchAttributes: { ...config.searchAttributes, ResyncTestExtra: 'Keyword' as const },
      retention: config.retention,
    };
    const first = await ensureNamespaceSettings(settings);
    expect(first.createdSearchAttributes).toEqual(['ResyncTestExtra']);
    const second = await ensureNamespaceSettings(settings);
    expect(second).toEqual({ namespaceCreated: false, createdSearchAttributes: [], retentionUpdated: false });
  });

  it('refuses to change the type of an existing attribute, naming it', async () => {
    await expect(
      ensureNamespaceSettings({
        address: server!.address,
        namespace: 'default',
        searchAttributes: { ResyncRecords: 'Keyword' },
        retention: config.retention,
      }),
    ).rejects.toThrow(/ResyncRecords is Int/);
  });

  it('reuses a server that already answers on the address', async () => {
    const again = await startTemporalDev({
      config,
      overrides: { port: Number(server!.address.split(':').pop()), dbFilename: null },
      detached: false,
    });
    expect(again.started).toBe(false);
    await again.stop(); // no-op for a reused server
    expect(await isTemporalServing(server!.address)).toBe(true);
  });

  it('stop() ends the attached server', async () => {
    await server!.stop();
    expect(await isTemporalServing(server!.address)).toBe(false);
    server = undefined;
  }, 30_000);
});

describe('project MariaDB', () => {
  it('is available from ensureMariaDb and runs queries in UTC', async () => {
    const db = await ensureMariaDb();
    expect(db.url).toMatch(/^mysql:\/\//);
    const connection = await createConnection({ uri: db.url });
    try {
      const [rows] = await connection.query<RowDataPacket[]>('SELECT 1 + 1 AS two, @@time_zone AS tz');
      expect(rows[0]?.two).toBe(2);
      // A server from $RESYNC_MYSQL_URL may be configured differently; ours is UTC.
      if (!process.env.RESYNC_MYSQL_URL) expect(rows[0]?.tz).toBe('+00:00');
    } finally {
      await connection.end();
    }
  }, 120_000);
});
