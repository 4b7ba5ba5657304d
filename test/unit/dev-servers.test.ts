import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config';
import { localServerPlans } from '../../worker/commands/dev-servers';

const base = {
  sources: { demo: { url: 'http://127.0.0.1:8089/odata', resources: [{ name: 'Property' }] } },
  control: { url: 'mysql://root@127.0.0.1:3407/resync' },
};

function configWith(destinations: Record<string, Record<string, unknown>>, writes: string[]) {
  return parseConfig({ ...base, sources: { demo: { ...base.sources.demo, destinations: writes } }, destinations });
}

describe('resync dev: which local servers it starts', () => {
  it('starts neither PostgreSQL nor Solr for a MySQL-only config', () => {
    expect(localServerPlans(configWith({ main: { type: 'mysql', url: 'mysql://root@127.0.0.1:3407/mls' } }, ['main']))).toEqual([]);
  });

  it('starts each on the port its loopback destination names, once per port', () => {
    const config = configWith(
      {
        main: { type: 'mysql', url: 'mysql://root@127.0.0.1:3407/mls' },
        pg: { type: 'postgres', url: 'postgres://postgres@127.0.0.1:5433/mls' },
        pg2: { type: 'postgres', url: 'postgres://postgres@localhost:5433/other' },
        search: { type: 'solr', url: 'http://localhost:8993/solr' },
      },
      ['main', 'pg', 'pg2', 'search'],
    );
    expect(localServerPlans(config)).toEqual([
      { kind: 'postgres', host: '127.0.0.1', port: 5433, destinations: ['pg', 'pg2'] },
      { kind: 'solr', host: 'localhost', port: 8993, destinations: ['search'] },
    ]);
  });

  it('leaves servers on other machines, and destinations no source writes to, alone', () => {
    const config = configWith(
      {
        main: { type: 'mysql', url: 'mysql://root@127.0.0.1:3407/mls' },
        remote: { type: 'postgres', url: 'postgres://u:p@db.example.com/mls' },
        cloud: { type: 'solr', url: 'https://solr.example.com/solr' },
        unused: { type: 'solr', url: 'http://127.0.0.1:8993/solr' },
      },
      ['main', 'remote', 'cloud'],
    );
    expect(localServerPlans(config)).toEqual([]);
  });

  it('uses the default port when the URL names none', () => {
    const config = configWith({ pg: { type: 'postgres', url: 'postgres://postgres@127.0.0.1/mls' } }, ['pg']);
    expect(localServerPlans(config)).toEqual([{ kind: 'postgres', host: '127.0.0.1', port: 5432, destinations: ['pg'] }]);
  });
});
