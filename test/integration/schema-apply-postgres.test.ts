/**
 * `resync schema apply --postgres <url>` against the real PostgreSQL of the global setup: every
 * metadata fixture makes its tables (each field typed or kept in `_raw`, all recorded in the
 * registry), a second apply changes nothing, and through the CLI a dry run creates nothing, not
 * even the database.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { quotePgIdent } from '../../activities/destinations/postgres/identifiers';
import { cursorFields, parseEdmx } from '../../activities/source/metadata';
import { fromRoot } from '../../scripts/lib/paths';
import { parseConfig, withDatabase } from '../../config';
import { startSimulator } from '../../simulator/server';
import { runSchemaApply } from '../../worker/commands/schema';
import { uniqueName } from '../support/stack';

const FIXTURES = fromRoot('test', 'fixtures', 'metadata');
const MLSGRID = join(FIXTURES, 'mlsgrid-2019.xml');
const databases: string[] = [];

function freshDatabase(): string {
  const name = uniqueName('t_pgschema');
  databases.push(name);
  const url = new URL(inject('pgServerUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const databaseExists = async (url: string) =>
  (await sql(inject('pgServerUrl'), 'SELECT 1 FROM pg_database WHERE datname = $1', [new URL(url).pathname.slice(1)])).length > 0;

const noConfig = async (): Promise<never> => {
  throw new Error('the config must not be needed for a metadata file');
};

async function apply(file: string, postgres: string) {
  const lines: string[] = [];
  const summary = await runSchemaApply(file, { postgres }, noConfig, (line) => lines.push(line));
  return { ...summary, output: lines.join('\n') };
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', fromRoot('worker', 'cli.ts'), 'schema', 'apply', ...args],
      { cwd: fromRoot() },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

afterAll(async () => {
  for (const name of databases)
    await sql(inject('pgServerUrl'), `DROP DATABASE IF EXISTS ${quotePgIdent(name)} WITH (FORCE)`).catch(() => undefined);
});

describe('resync schema apply --postgres: every metadata fixture', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml'));

  it('covers the five fixtures', () => {
    expect(files.sort()).toEqual([
      'mlsgrid-2019.xml',
      'reso-dd-2.0-enum.xml',
      'reso-dd-2.0-lookup-resource.xml',
      'trestle-2019.xml',
      'utahrealestate-2019.xml',
    ]);
  });

  it.each(files)('%s: makes every table on a fresh database, then changes nothing', async (file) => {
    const url = freshDatabase();
    const path = join(FIXTURES, file);
    const model = parseEdmx(readFileSync(path, 'utf8'));
    // Expected independently of the command: each entity type sync could follow, every field somewhere.
    const expected = Object.values(model.entityTypes)
      .filter((e) => e.key.length > 0 && cursorFields(e).length > 0)
      .map((e) => ({ table: model.entitySets.find((s) => s.entityType === e.name)?.name ?? e.name, fields: e.fields.length }));

    const first = await apply(path, url);
    expect(first.failed).toEqual([]);
    expect(first.changes.filter((c) => c.action === 'create table')).toHaveLength(expected.length);
    const tables = await sql<{ t: string }>(url, `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    expect(tables.map((r) => r.t)).toEqual(
      [...expected.map((e) => e.table), '_resync_columns', '_resync_schema', '_resync_schema_log'].sort((a, b) => (a < b ? -1 : 1)),
    );
    for (const e of expected) {
      // Every field has a row in the registry: a typed column, or `_raw` alone; and `_raw` is a column.
      const registered = await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM _resync_columns WHERE table_name = $1', [e.table]);
      expect(Number(registered[0]!.n), e.table).toBe(e.fields);
      const raw = await sql(url, `SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = '_raw'`, [e.table]);
      expect(raw, `${e.table}._raw`).toHaveLength(1);
    }

    const second = await apply(path, url);
    expect(second.changes).toEqual([]);
    expect(second.upToDate).toBe(expected.length);
    expect(second.output.split('\n').at(-1)).toBe(
      `no changes: ${expected.length} ${expected.length === 1 ? 'table' : 'tables'} up to date`,
    );
    const log = await sql<{ n: string }>(url, `SELECT count(*) AS n FROM _resync_schema_log WHERE action = 'create table'`);
    expect(Number(log[0]!.n)).toBe(expected.length);
  });
});

describe('resync schema apply --postgres: the CLI', () => {
  it('dry-runs without creating the database, applies, and a second apply changes nothing', async () => {
    const url = freshDatabase();
    const prefix = 't_';
    const args = ['-m', MLSGRID, '--postgres', url, '--table-prefix', prefix];

    const dry = await cli([...args, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`-- create table ${prefix}PropertyResi`);
    expect(dry.stdout).toMatch(/^CREATE TABLE "t_PropertyResi" \(/m);
    expect(dry.stdout).toMatch(/-- dry run: \d+ changes to 2 tables, 0 up to date; nothing was executed/);
    expect(await databaseExists(url)).toBe(false);

    const applied = await cli(args);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^\d+ changes to 2 tables, 0 up to date$/m);
    const tables = await sql<{ t: string }>(url, `SELECT tablename AS t FROM pg_tables WHERE tablename LIKE 't\\_%' ORDER BY 1`);
    expect(tables.map((r) => r.t)).toEqual(['t_Media', 't_PropertyResi']);
    const [cursor] = await sql<{ type: string }>(
      url,
      `SELECT data_type AS type FROM information_schema.columns WHERE table_name = 't_PropertyResi' AND column_name = 'ModificationTimestamp'`,
    );
    expect(cursor?.type).toBe('timestamp with time zone');

    const again = await cli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim().split('\n').at(-1)).toBe('no changes: 2 tables up to date');
    const dryAgain = await cli([...args, '--dry-run']);
    expect(dryAgain.stdout.trim().split('\n').at(-1)).toBe('-- no changes: 2 tables up to date');
  });

  it('refuses a URL that is not postgres://, without repeating its password', async () => {
    const r = await cli(['-m', MLSGRID, '--postgres', 'mysql://root:s3cret@127.0.0.1/db']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--postgres must be a postgres:// URL that names a database');
    expect(r.stderr).not.toContain('s3cret');
  });

  it('says which targets it takes for a metadata file', async () => {
    const r = await cli(['-m', MLSGRID]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--mysql <url>, --postgres <url> or --solr <url> is required when the metadata comes from a file');
  });
});

describe('resync schema apply -m <source>: the configured PostgreSQL destinations', () => {
  it('applies each with its naming hook and schema, skips the one without manageSchema, and a second run changes nothing', async () => {
    const sim = await startSimulator({ records: 5, seed: 3, port: 0 });
    const url = freshDatabase();
    const unmanaged = freshDatabase();
    const config = parseConfig({
      sources: { demo: { url: sim.url, resources: [{ name: 'Property' }], destinations: ['warehouse', 'frozen'] } },
      destinations: {
        warehouse: { type: 'postgres', url, schema: 'reso', makeTableName: (_s: string, r: string) => `mls_${r}` },
        frozen: { type: 'postgres', url: unmanaged, manageSchema: false },
      },
      control: { url: withDatabase(inject('mysqlServerUrl'), uniqueName('t_unused')) },
    });
    try {
      const lines: string[] = [];
      const first = await runSchemaApply(
        'demo',
        {},
        () => Promise.resolve(config),
        (line) => lines.push(line),
      );
      expect(first.failed).toEqual([]);
      expect(lines).toContain('skipped destination frozen: manageSchema is off');
      const tables = await sql<{ s: string; t: string }>(
        url,
        `SELECT schemaname AS s, tablename AS t FROM pg_tables WHERE tablename LIKE 'mls\\_%' ORDER BY 2`,
      );
      // Every resource sync could follow (as for MySQL): the configured one, and Media.
      expect(tables).toEqual([
        { s: 'reso', t: 'mls_Media' },
        { s: 'reso', t: 'mls_Property' },
      ]);
      expect(first.changes.filter((c) => c.action === 'create table').map((c) => c.table)).toEqual(['mls_Property', 'mls_Media']);
      expect(await databaseExists(unmanaged)).toBe(false);

      const again = await runSchemaApply(
        'demo',
        {},
        () => Promise.resolve(config),
        () => undefined,
      );
      expect(again.changes).toEqual([]);
      expect(again.upToDate).toBe(2);
    } finally {
      await sim.close();
    }
  });
});
