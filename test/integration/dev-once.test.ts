/**
 * `resync dev --once` (what `npm start -- --once` runs) on a fresh set of ports and databases:
 * it brings up the stack, replicates every demo listing, shows the run with its search
 * attributes, prints the JSON summary last and exits 0.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { withDatabase } from '../../config';
import { fromRoot } from '../../scripts/lib/paths';
import { findFreePort } from '../../scripts/lib/temporal-dev';
import { dropDatabases, uniqueName, writeConfigFile } from '../support/stack';
import { parseConfig } from '../../config';

const run = promisify(execFile);

describe('resync dev --once', () => {
  let input: Parameters<typeof writeConfigFile>[0] | undefined;

  afterAll(async () => {
    if (input) await dropDatabases(parseConfig(input));
  });

  it('replicates every demo listing and prints the summary last', async () => {
    const server = inject('mysqlServerUrl');
    const [simPort, temporalPort] = [await findFreePort(), await findFreePort()];
    input = {
      sources: { demo: { platform: 'generic', url: `http://127.0.0.1:${simPort}/odata`, resources: [{ name: 'Property' }] } },
      destinations: { main: { type: 'mysql', url: withDatabase(server, uniqueName('t_dev')) } },
      control: { url: withDatabase(server, uniqueName('t_dev_control')) },
      temporal: { address: `127.0.0.1:${temporalPort}`, taskQueue: uniqueName('tq') },
      logging: { level: 'warn', dir: fromRoot('logs', 'test') },
    } as Parameters<typeof writeConfigFile>[0];
    const file = writeConfigFile(input);
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', fromRoot('worker/cli.ts'), '--config', file, 'dev', '--once', '--records', '400'],
      {
        cwd: fromRoot(),
        env: { ...process.env, RESYNC_MYSQL_URL: server },
        maxBuffer: 10 * 1024 * 1024,
      },
    );
    const lines = stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]!) as {
      mlsCount: number;
      destinations: Record<string, number>;
      workflows: { workflowId: string; searchAttributes: Record<string, unknown> }[];
    };
    expect(summary.mlsCount).toBe(400);
    expect(summary.destinations).toEqual({ main: 400 });
    expect(summary.workflows).toContainEqual({
      workflowId: 'sync/demo/Property',
      searchAttributes: { ResyncSource: 'demo', ResyncResource: 'Property', ResyncProcess: 'sync', ResyncRecords: 400 },
    });
  });
});
