/**
 * `resync schema apply` against the real MariaDB: every metadata fixture makes its tables, a second
 * apply changes nothing, a dry run executes nothing, metadata changes become the matching
 * migrations, and the CLI exits with the right code.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { withDatabase } from '../../config';
import { cursorFields, parseEdmx } from '../../activities/source/metadata';
import { runSchemaApply, type SchemaApplyOptions } from '../../worker/commands/schema';
import { fromRoot } from '../../scripts/lib/paths';
import { query, uniqueName } from '../support/stack';

const run = promisify(execFile);
const FIXTURES = fromRoot('test', 'fixtures', 'metadata');
const MLSGRID = join(FIXTURES, 'mlsgrid-2019.xml');
const tmp = mkdtempSync(join(tmpdir(), 'resync-schema-'));

/** The table holding listings in each fixture, and the fewest columns it must have. */
const LISTINGS: Record<string, { table: string; minColumns: number }> = {
  'reso-dd-2.0-enum.xml': { table: 'Property', minColumns: 600 },
  'reso-dd-2.0-lookup-resource.xml': { table: 'Property', minColumns: 600 },
  'trestle-2019.xml': { table: 'Property', minColumns: 600 },
  'utahrealestate-2019.xml': { table: 'Properties', minColumns: 200 },
  'mlsgrid-2019.xml': { table: 'PropertyResi', minColumns: 29 },
};

const databases: string[] = [];
function freshDatabase(): string {
  const db = uniqueName('t_schema');
  databases.push(db);
  return withDatabase(inject('mysqlServerUrl'), db);
}

const noConfig = async (): Promise<never> => {
  throw new Error('the config must not be needed for a metadata file');
};

async function apply(file: string, opts: SchemaApplyOptions) {
  const lines: string[] = [];
  const summary = await runSchemaApply(file, opts, noConfig, (line) => lines.push(line));
  return { ...summary, output: lines.join('\n') };
}

async function tablesIn(url: string): Promise<string[]> {
  const rows = await query<{ name: string }>(
    url,
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
  );
  return rows.map((r) => r.name).sort();
}

async function columnCount(url: string, table: string): Promise<number> {
  const rows = await query<{ n: number }>(
    url,
    'SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [table],
  );
  return Number(rows[0]?.n);
}

async function databaseExists(url: string): Promise<boolean> {
  const db = new URL(url).pathname.slice(1);
  const rows = await query(
    withDatabase(inject('mysqlServerUrl'), 'mysql'),
    'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [db],
  );
  return rows.length > 0;
}

afterAll(async () => {
  const admin = withDatabase(inject('mysqlServerUrl'), 'mysql');
  for (const db of databases) await query(admin, `DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined);
});

describe('resync schema apply: every metadata fixture', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml'));

  it('has a listing table named for every fixture', () => {
    expect(files.sort()).toEqual(Object.keys(LISTINGS).sort());
  });

  it.each(files)('%s: makes every table on a fresh database, then changes nothing', async (file) => {
    const url = freshDatabase();
    const path = join(FIXTURES, file);
    const model = parseEdmx(readFileSync(path, 'utf8'));
    // Expected independently of the command: each entity type sync could follow, with every field.
    const expected = Object.values(model.entityTypes)
      .filter((e) => e.key.length > 0 && cursorFields(e).length > 0)
      .map((e) => ({ table: model.entitySets.find((s) => s.entityType === e.name)?.name ?? e.name, columns: e.fields.length + 1 }));

    const first = await apply(path, { mysql: url });
    expect(first.changes.filter((c) => c.action === 'create table')).toHaveLength(expected.length);
    expect(await tablesIn(url)).toEqual([...expected.map((e) => e.table), '_resync_schema', '_resync_schema_log'].sort());
    for (const e of expected) expect(await columnCount(url, e.table), e.table).toBe(e.columns);
    const listing = LISTINGS[file]!;
    expect(await columnCount(url, listing.table)).toBeGreaterThan(listing.minColumns);

    const registry = await query<{ table_name: string; plan_hash: string; column_count: number }>(url, 'SELECT * FROM _resync_schema');
    expect(registry.map((r) => r.table_name).sort()).toEqual(expected.map((e) => e.table).sort());

    const second = await apply(path, { mysql: url });
    expect(second.changes).toEqual([]);
    expect(second.upToDate).toBe(expected.length);
    expect(second.output).toContain(`no changes: ${expected.length} tables up to date`);
    const log = await query(url, 'SELECT COUNT(*) AS n FROM _resync_schema_log');
    expect(Number(log[0]?.n)).toBe(expected.length);
  });
});

describe('resync schema apply: changes', () => {
  const withZoning = (xml: string, extra: string) => xml.replace('<Property Name="Zoning" Type="Edm.String" MaxLength="25"/>', extra);

  it('--dry-run prints the DDL and creates nothing, not even the database', async () => {
    const url = freshDatabase();
    const { output, changes } = await apply(MLSGRID, { mysql: url, dryRun: true, tablePrefix: 'mg_' });
    expect(output).toContain('CREATE TABLE `mg_PropertyResi` (');
    expect(output).toContain('CREATE TABLE `mg_Media` (');
    expect(output).toContain('PRIMARY KEY (`ListingKey`)');
    expect(changes.map((c) => c.table)).toEqual(['mg_PropertyResi', 'mg_Media']);
    expect(await databaseExists(url)).toBe(false);
  });

  it('turns one added field into one add column, and a dry run of it alters nothing', async () => {
    const url = freshDatabase();
    await apply(MLSGRID, { mysql: url });
    const before = await query<{ plan_hash: string }>(url, "SELECT plan_hash FROM _resync_schema WHERE table_name = 'PropertyResi'");

    const changed = join(tmp, 'added.xml');
    const xml = readFileSync(MLSGRID, 'utf8');
    const added = withZoning(
      xml,
      '<Property Name="Zoning" Type="Edm.String" MaxLength="25"/><Property Name="X_GateCode" Type="Edm.String" MaxLength="40"/>',
    );
    expect(added).not.toBe(xml);
    writeFileSync(changed, added);

    const dry = await apply(changed, { mysql: url, dryRun: true });
    expect(dry.output).toContain('ALTER TABLE `PropertyResi` ADD COLUMN `X_GateCode` VARCHAR(40) NULL;');
    expect(await columnCount(url, 'PropertyResi')).toBe(30);

    const real = await apply(changed, { mysql: url });
    expect(real.changes).toEqual([{ table: 'PropertyResi', action: 'add column', detail: 'X_GateCode VARCHAR(40)' }]);
    expect(real.output).toContain('add column PropertyResi: X_GateCode VARCHAR(40)');
    expect(await columnCount(url, 'PropertyResi')).toBe(31);
    const after = await query<{ plan_hash: string; column_count: number }>(
      url,
      "SELECT plan_hash, column_count FROM _resync_schema WHERE table_name = 'PropertyResi'",
    );
    expect(after[0]?.plan_hash).not.toBe(before[0]?.plan_hash);
    expect(after[0]?.column_count).toBe(31);
    const log = await query(url, "SELECT action, detail FROM _resync_schema_log WHERE table_name = 'PropertyResi' ORDER BY id");
    expect(log).toEqual([
      { action: 'create table', detail: '29 columns' },
      { action: 'add column', detail: 'X_GateCode VARCHAR(40)' },
    ]);

    expect((await apply(changed, { mysql: url })).changes).toEqual([]);
  });

  it('notices a column dropped by hand although the registry holds the same plan', async () => {
    const url = freshDatabase();
    await apply(MLSGRID, { mysql: url });
    await query(url, 'ALTER TABLE PropertyResi DROP COLUMN Zoning');
    const again = await apply(MLSGRID, { mysql: url });
    expect(again.changes).toEqual([{ table: 'PropertyResi', action: 'add column', detail: 'Zoning VARCHAR(25)' }]);
    expect(again.upToDate).toBe(1);
  });

  it('widens a column whose MaxLength grew, and never narrows one', async () => {
    const url = freshDatabase();
    await apply(MLSGRID, { mysql: url, resource: ['PropertyResi'] });
    const xml = readFileSync(MLSGRID, 'utf8');
    const wider = join(tmp, 'wider.xml');
    writeFileSync(wider, withZoning(xml, '<Property Name="Zoning" Type="Edm.String" MaxLength="80"/>'));
    const grown = await apply(wider, { mysql: url, resource: ['PropertyResi'] });
    expect(grown.changes).toEqual([
      { table: 'PropertyResi', action: 'widen column', detail: 'Zoning VARCHAR(25) → VARCHAR(80) (metadata)' },
    ]);

    const narrower = join(tmp, 'narrower.xml');
    writeFileSync(narrower, withZoning(xml, '<Property Name="Zoning" Type="Edm.String" MaxLength="10"/>'));
    expect((await apply(narrower, { mysql: url, resource: ['PropertyResi'] })).changes).toEqual([]);
    const type = await query<{ t: string }>(
      url,
      "SELECT COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'PropertyResi' AND COLUMN_NAME = 'Zoning'",
    );
    expect(type[0]?.t).toBe('varchar(80)');
  });

  it('makes a table for a named resource without a cursor field, indexed by its key', async () => {
    const url = freshDatabase();
    const trestle = join(FIXTURES, 'trestle-2019.xml');
    const defaults = await apply(trestle, { mysql: url, dryRun: true });
    expect(defaults.output).toContain('-- skipped DataSystem: no ModificationTimestamp');

    const named = await apply(trestle, { mysql: url, resource: ['DataSystem'] });
    expect(named.changes).toEqual([{ table: 'DataSystem', action: 'create table', detail: '7 columns' }]);
    const indexes = await query<{ name: string }>(
      url,
      "SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'DataSystem'",
    );
    expect(indexes.map((i) => i.name)).toEqual(['PRIMARY']);
    expect((await apply(trestle, { mysql: url, resource: ['DataSystem'] })).changes).toEqual([]);
  });

  it('refuses a resource the metadata does not have, naming the ones it has', async () => {
    await expect(apply(MLSGRID, { mysql: freshDatabase(), resource: ['Listing'] })).rejects.toThrow(
      'no resource "Listing" in the metadata; it has: PropertyResi, Media',
    );
  });
});

describe('resync schema apply: metadata with broken resources', () => {
  const VENDOR_ERRORS = join(FIXTURES, 'malformed', 'vendor-errors.xml');

  it('applies what it can understand and reports each unusable resource in one line', async () => {
    const url = freshDatabase();
    const result = await apply(VENDOR_ERRORS, { mysql: url, resource: ['Property', 'Office', 'Teams', 'Member'] });
    expect(result.failed).toEqual([
      { resource: 'Office', reason: 'key property "OfficeKey" is not declared as a property' },
      { resource: 'Teams', reason: 'entity set Teams: entity type "Team" is not declared' },
    ]);
    expect(await tablesIn(url)).toEqual(['Member', 'Property', '_resync_schema', '_resync_schema_log']);
    // City was written <property>, MemberKey's key as "memberKey": both read as meant.
    expect(await columnCount(url, 'Property')).toBe(6);
    const memberKey = await query<{ name: string }>(
      url,
      "SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'Member' AND CONSTRAINT_NAME = 'PRIMARY'",
    );
    expect(memberKey.map((r) => r.name)).toEqual(['MemberKey']);
    expect(result.output).toContain('Office cannot be used: key property "OfficeKey" is not declared as a property');
    expect(result.output).not.toMatch(/doesn't exist/);
    expect(result.output.split('\n').at(-1)).toBe('2 changes to 2 tables, 0 up to date; 2 resources could not be used: Office, Teams');
  });

  it('exits non-zero with a summary, after applying the others', async () => {
    const url = freshDatabase();
    const r = await cli(['--metadata', VENDOR_ERRORS, '--mysql', url]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('create table Property: 5 columns');
    expect(r.stdout).toContain('create table Member: 3 columns');
    expect(r.stdout).toContain('Office cannot be used: key property "OfficeKey" is not declared as a property');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('2 changes to 2 tables, 0 up to date; 1 resource could not be used: Office');
    expect(r.stdout + r.stderr).not.toMatch(/Key column|doesn't exist/);
    expect(await tablesIn(url)).toEqual(['Member', 'Property', '_resync_schema', '_resync_schema_log']);
  });
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', fromRoot('worker/cli.ts'), 'schema', 'apply', ...args], {
      cwd: fromRoot(),
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('resync schema apply: the command line', () => {
  it('exits 0 after applying, and 0 again with nothing to do', async () => {
    const url = freshDatabase();
    const first = await cli(['--metadata', MLSGRID, '--mysql', url]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('create table PropertyResi: 29 columns');
    const second = await cli(['--metadata', MLSGRID, '--mysql', url]);
    expect(second.code).toBe(0);
    expect(second.stdout.trim()).toBe('no changes: 2 tables up to date');
  });

  it('exits non-zero with a clear message, and no password, for a database it cannot reach', async () => {
    const r = await cli(['--metadata', MLSGRID, '--mysql', 'mysql://root:hunter2@127.0.0.1:1/nowhere']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('cannot connect to mysql://127.0.0.1:1/nowhere');
    expect(r.stderr + r.stdout).not.toContain('hunter2');
  });

  it('exits non-zero for a URL that names no database', async () => {
    const r = await cli(['--metadata', MLSGRID, '--mysql', 'mysql://root:hunter2@127.0.0.1:3407']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--mysql must be a mysql:// URL that names a database');
    expect(r.stderr).not.toContain('hunter2');
  });
});
