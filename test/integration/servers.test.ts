/**
 * The PostgreSQL and Solr servers setup starts for the destinations to come: each answers as a real
 * server at the URL the global setup provides, the Solr core helper gives every core its own conf/
 * (so a schema change on one core never leaks into, or is lost by, another), and the launchers
 * start, reuse and stop a private instance through their pid files.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { findFreePort } from '../../scripts/lib/net';
import { ensurePostgres, probePostgresUrl, stopPostgres } from '../../scripts/lib/postgres';
import { postgresStep, solrStep } from '../../scripts/lib/setup-steps';
import { ensureSolr, probeSolrUrl, solrNodeInfo, stopSolr } from '../../scripts/lib/solr';
import { createSolrCore, deleteSolrCore, SolrAdminError, solrCoreExists } from '../../scripts/lib/solr-cores';
import { uniqueName } from '../support/stack';

async function withPg<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The same server URL with another database. */
function withPgDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A JSON request to the Solr node; resolves status and parsed body. */
async function solr(
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${inject('solrUrl')}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function hasField(core: string, field: string): Promise<boolean> {
  const { status } = await solr(`/${core}/schema/fields/${field}?wt=json`);
  if (status !== 200 && status !== 404) throw new Error(`schema API of ${core} answered HTTP ${status}`);
  return status === 200;
}

async function addField(core: string, field: { name: string; type: string }): Promise<void> {
  const { status, body } = await solr(`/${core}/schema?wt=json`, { body: { 'add-field': { ...field, stored: true, indexed: true } } });
  expect(status, JSON.stringify(body)).toBe(200);
}

async function reload(core: string): Promise<void> {
  const { status, body } = await solr(`/admin/cores?action=RELOAD&core=${core}&wt=json`);
  expect(status, JSON.stringify(body)).toBe(200);
}

async function select(core: string, q: string): Promise<{ numFound: number; docs: Record<string, unknown>[] }> {
  const { status, body } = await solr(`/${core}/select?q=${encodeURIComponent(q)}&wt=json`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body.response as { numFound: number; docs: Record<string, unknown>[] };
}

describe('PostgreSQL server', () => {
  it('answers queries from a normal client: creates, uses and drops a database', async () => {
    const url = inject('pgServerUrl');
    const version = await withPg(
      url,
      async (client) => (await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v,
    );
    expect(Number(version)).toBeGreaterThanOrEqual(150000);

    const database = uniqueName('t_servers');
    await withPg(url, (client) => client.query(`CREATE DATABASE ${database}`));
    try {
      const rows = await withPg(withPgDatabase(url, database), async (client) => {
        await client.query('CREATE TABLE listing (key text PRIMARY KEY, modified timestamptz NOT NULL, raw jsonb)');
        await client.query('INSERT INTO listing VALUES ($1, $2, $3)', ['K1', '2026-01-02T03:04:05.123456Z', { City: 'Portland' }]);
        const result = await client.query<{ key: string; modified: Date; city: string }>(
          "SELECT key, modified, raw->>'City' AS city FROM listing",
        );
        return result.rows;
      });
      expect(rows).toEqual([{ key: 'K1', modified: new Date('2026-01-02T03:04:05.123Z'), city: 'Portland' }]);
    } finally {
      await withPg(url, (client) => client.query(`DROP DATABASE ${database}`));
    }
    const left = await withPg(url, (client) => client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]));
    expect(left.rowCount).toBe(0);
  });

  it.skipIf(Boolean(process.env.RESYNC_PG_URL))('runs the project-local cluster on loopback only, in UTC', async () => {
    const settings = await withPg(inject('pgServerUrl'), async (client) => {
      // SHOW names its column after the setting's canonical spelling (TimeZone), so take the only value.
      const read = async (name: string) => Object.values((await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0] ?? {})[0];
      return { listen: await read('listen_addresses'), timezone: await read('timezone'), sockets: await read('unix_socket_directories') };
    });
    expect(settings).toEqual({ listen: '127.0.0.1', timezone: 'UTC', sockets: '' });
  });

  it('is reported by `setup --check`', async () => {
    const status = await postgresStep.check();
    expect(status.ok).toBe(true);
    expect(status.summary).toContain('PostgreSQL 1');
  });
});

describe('Solr server', () => {
  const cores: string[] = [];
  const newCore = () => {
    const name = uniqueName('t_servers');
    cores.push(name);
    return name;
  };

  afterAll(async () => {
    for (const core of cores) await deleteSolrCore(inject('solrUrl'), core);
  });

  it('is a real Solr 9 node', async () => {
    const info = await solrNodeInfo(inject('solrUrl'));
    expect(info.version).toMatch(/^9\./);
    expect(info.mode).toBe('std');
  });

  it('gives every core its own conf/, so a field added to one core is neither seen nor lost by another', async () => {
    const url = inject('solrUrl');
    const [a, b] = [newCore(), newCore()];
    const coreA = await createSolrCore(url, a);
    const coreB = await createSolrCore(url, b);
    expect(coreA.created && coreB.created).toBe(true);
    expect(existsSync(join(coreA.instanceDir, 'conf', 'managed-schema.xml'))).toBe(true);
    expect(existsSync(join(coreB.instanceDir, 'conf', 'managed-schema.xml'))).toBe(true);

    await addField(a, { name: 'City', type: 'string' });
    expect(await hasField(a, 'City')).toBe(true);
    expect(await hasField(b, 'City')).toBe(false);

    // With one shared schema file, B's change would rewrite it without City, and A would lose
    // City at its next reload. With a conf/ per core both survive a reload.
    await addField(b, { name: 'ListPrice', type: 'pdouble' });
    await reload(a);
    await reload(b);
    expect([await hasField(a, 'City'), await hasField(a, 'ListPrice')]).toEqual([true, false]);
    expect([await hasField(b, 'City'), await hasField(b, 'ListPrice')]).toEqual([false, true]);
  });

  it('indexes, commits, finds and deletes a document', async () => {
    const url = inject('solrUrl');
    const core = newCore();
    await createSolrCore(url, core);
    await addField(core, { name: 'City', type: 'string' });
    await addField(core, { name: 'ModificationTimestamp', type: 'pdate' });

    const added = await solr(`/${core}/update?commit=true&wt=json`, {
      body: [{ id: 'K1', City: 'Portland', ModificationTimestamp: '2026-01-02T03:04:05.123Z' }],
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    const found = await select(core, 'City:Portland');
    expect(found.numFound).toBe(1);
    expect(found.docs[0]).toMatchObject({ id: 'K1', City: 'Portland', ModificationTimestamp: '2026-01-02T03:04:05.123Z' });

    const deleted = await solr(`/${core}/update?commit=true&wt=json`, { body: { delete: ['K1'] } });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect((await select(core, '*:*')).numFound).toBe(0);
  });

  it('creates a core once, deletes it with its folder, and rejects names Solr would refuse', async () => {
    const url = inject('solrUrl');
    const core = newCore();
    const first = await createSolrCore(url, core);
    expect(first.created).toBe(true);
    expect((await createSolrCore(url, core)).created).toBe(false);
    expect(await solrCoreExists(url, core)).toBe(true);

    expect(await deleteSolrCore(url, core)).toBe(true);
    expect(await solrCoreExists(url, core)).toBe(false);
    expect(existsSync(first.instanceDir)).toBe(false);
    expect(await deleteSolrCore(url, core)).toBe(false);

    await expect(createSolrCore(url, '-bad')).rejects.toBeInstanceOf(SolrAdminError);
    await expect(createSolrCore(url, 'a/b')).rejects.toThrow(/invalid Solr core name/);
  });

  it('is reported by `setup --check`', async () => {
    const status = await solrStep.check();
    expect(status.ok).toBe(true);
    expect(status.summary).toContain('Solr 9.');
  });
});

describe('server launchers', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('start a private PostgreSQL, reuse it while it runs, and stop it by its pid', async () => {
    const baseDir = await mkdtemp(join(tmpdir(), 'resync-pg-'));
    dirs.push(baseDir);
    const options = { baseDir, port: await findFreePort(), useEnvUrl: false };
    const first = await ensurePostgres(options);
    try {
      expect(first.started).toBe(true);
      expect(await probePostgresUrl(first.url)).toBeUndefined();
      expect(await ensurePostgres(options)).toEqual({ url: first.url, started: false });
    } finally {
      const stopped = await stopPostgres(options);
      expect(stopped.stopped).toBe(true);
    }
    expect(await probePostgresUrl(first.url, 1_000)).toBeDefined();
    expect((await stopPostgres(options)).stopped).toBe(false);
  });

  it('start a private Solr, reuse it while it runs, and stop it by its pid file', async () => {
    const baseDir = await mkdtemp(join(tmpdir(), 'resync-solr-'));
    dirs.push(baseDir);
    const options = { baseDir, port: await findFreePort(), useEnvUrl: false };
    const first = await ensureSolr(options);
    try {
      expect(first.started).toBe(true);
      expect((await solrNodeInfo(first.url)).solrHome).toBe(join(baseDir, 'home'));
      expect(await ensureSolr(options)).toEqual({ url: first.url, started: false });
    } finally {
      const stopped = await stopSolr(options);
      expect(stopped.stopped).toBe(true);
    }
    expect(await probeSolrUrl(first.url, 1_000)).toBeDefined();
    expect((await stopSolr(options)).stopped).toBe(false);
  });
});
