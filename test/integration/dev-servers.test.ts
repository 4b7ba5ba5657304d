/**
 * `resync dev` and the PostgreSQL / Solr it may start: servers already listening where the config
 * points (here, those of the global setup) are used as they are, nothing is started or stopped.
 */
import { describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../config';
import { startLocalServers } from '../../worker/commands/dev-servers';

describe('resync dev: PostgreSQL and Solr already running', () => {
  it('starts nothing, and has nothing to stop, when both already listen where the config points', async () => {
    const pg = new URL(inject('pgServerUrl'));
    pg.pathname = '/mls';
    const config = parseConfig({
      sources: { demo: { url: 'http://127.0.0.1:8089/odata', resources: [{ name: 'Property' }], destinations: ['pg', 'search'] } },
      destinations: { pg: { type: 'postgres', url: pg.toString() }, search: { type: 'solr', url: inject('solrUrl') } },
      control: { url: 'mysql://root@127.0.0.1:3407/resync' },
    });
    const lines: string[] = [];
    const stops = await startLocalServers(config, (line) => lines.push(line));
    expect(stops).toEqual([]);
    expect(lines).toEqual([
      `PostgreSQL on port ${pg.port} (destination pg): already listening`,
      `Solr on port ${new URL(inject('solrUrl')).port} (destination search): already listening`,
    ]);
  });
});
