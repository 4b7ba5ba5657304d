/**
 * `resync schema apply -m <file> --solr <url>` through the CLI against the real Solr node of the
 * global setup: a dry run lists the core and fields and creates nothing, an apply creates them,
 * and a second apply changes nothing. `-m <source>` without a target applies the source's
 * configured Solr destinations the same way, each with its own core naming.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { deleteSolrCore, solrCoreExists } from '../../activities/destinations/solr/cores';
import { parseConfig, withDatabase } from '../../config';
import { fromRoot } from '../../scripts/lib/paths';
import { startSimulator } from '../../simulator/server';
import { runSchemaApply } from '../../worker/commands/schema';
import { uniqueName } from '../support/stack';

const MLSGRID = join(fromRoot('test', 'fixtures', 'metadata'), 'mlsgrid-2019.xml');

function schemaApply(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', fromRoot('worker', 'cli.ts'), 'schema', 'apply', ...args],
      { cwd: fromRoot() },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('schema apply --solr', () => {
  const solrUrl = inject('solrUrl');
  const prefix = `${uniqueName('t_solrschema')}_`;
  // The fixture's two entity types with a key and a ModificationTimestamp.
  const core = `${prefix}PropertyResi`;
  const mediaCore = `${prefix}Media`;

  afterAll(async () => {
    for (const c of [core, mediaCore]) await deleteSolrCore(solrUrl, c).catch(() => undefined);
  });

  it('dry-runs, applies, and a second apply changes nothing', async () => {
    const args = ['-m', MLSGRID, '--solr', solrUrl, '--table-prefix', prefix];

    const dry = await schemaApply([...args, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`-- create table ${core}: core ${core}`);
    expect(dry.stdout).toMatch(/-- add column .*: ListingKey string/);
    expect(dry.stdout).toMatch(/-- dry run: \d+ changes to 2 tables, 0 up to date; nothing was executed/);
    expect(await solrCoreExists(solrUrl, core)).toBe(false);
    expect(await solrCoreExists(solrUrl, mediaCore)).toBe(false);

    const applied = await schemaApply(args);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^\d+ changes to 2 tables, 0 up to date$/m);
    expect(await solrCoreExists(solrUrl, core)).toBe(true);
    expect(await solrCoreExists(solrUrl, mediaCore)).toBe(true);
    const fields = (await (await fetch(`${solrUrl}/${core}/schema/fields`)).json()) as { fields: { name: string; type: string }[] };
    expect(fields.fields).toContainEqual(expect.objectContaining({ name: 'ModificationTimestamp', type: 'pdate' }));

    const again = await schemaApply(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim().split('\n').at(-1)).toBe('no changes: 2 tables up to date');
  });

  it('says which target is missing for a metadata file', async () => {
    const r = await schemaApply(['-m', MLSGRID]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--mysql <url>, --postgres <url> or --solr <url> is required when the metadata comes from a file');
  });
});

describe('schema apply -m <source>: the configured Solr destinations', () => {
  const solrUrl = inject('solrUrl');
  const prefix = `${uniqueName('t_solrcfg')}_`;
  // corePrefix for one destination, makeCoreName for the other: the cores their syncs would make.
  const cores = [`${prefix}a_Property`, `${prefix}a_Media`, `${prefix}Property_b`, `${prefix}Media_b`];
  const unmanaged = `${prefix}frozen_Property`;

  afterAll(async () => {
    for (const c of [...cores, unmanaged]) await deleteSolrCore(solrUrl, c).catch(() => undefined);
  });

  it('applies each with its core naming, skips the one without manageSchema, and a second run changes nothing', async () => {
    const sim = await startSimulator({ records: 5, seed: 4, port: 0 });
    const config = parseConfig({
      sources: { demo: { url: sim.url, resources: [{ name: 'Property' }], destinations: ['search', 'named', 'frozen'] } },
      destinations: {
        search: { type: 'solr', url: solrUrl, corePrefix: `${prefix}a_` },
        named: { type: 'solr', url: solrUrl, makeCoreName: (_s: string, r: string) => `${prefix}${r}_b` },
        frozen: { type: 'solr', url: solrUrl, corePrefix: `${prefix}frozen_`, manageSchema: false },
      },
      control: { url: withDatabase(inject('mysqlServerUrl'), uniqueName('t_unused')) },
    });
    const apply = async () => {
      const lines: string[] = [];
      const summary = await runSchemaApply(
        'demo',
        {},
        () => Promise.resolve(config),
        (line) => lines.push(line),
      );
      return { ...summary, lines };
    };
    try {
      const first = await apply();
      expect(first.failed).toEqual([]);
      expect(first.lines).toContain('skipped destination frozen: manageSchema is off');
      expect(first.lines).toContain('destination search:');
      expect(first.lines).toContain('destination named:');
      // Every resource sync could follow (as for MySQL): the configured one, and Media.
      expect(first.changes.filter((c) => c.action === 'create table').map((c) => c.table)).toEqual(cores);
      for (const core of cores) expect(await solrCoreExists(solrUrl, core), core).toBe(true);
      expect(await solrCoreExists(solrUrl, unmanaged)).toBe(false);
      const fields = (await (await fetch(`${solrUrl}/${cores[0]}/schema/fields`)).json()) as { fields: { name: string; type: string }[] };
      expect(fields.fields).toContainEqual(expect.objectContaining({ name: 'ModificationTimestamp', type: 'pdate' }));

      const again = await apply();
      expect(again.changes).toEqual([]);
      expect(again.upToDate).toBe(4);
      expect(again.lines.at(-1)).toBe('no changes: 4 tables up to date');
    } finally {
      await sim.close();
    }
  });
});
