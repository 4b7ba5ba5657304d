/**
 * One source syncing into MySQL and Solr at once, end to end: real Temporal dev server, MariaDB
 * (control database and the MySQL destination), the simulator and the real Solr node of the global
 * setup, configured as users do (`type: 'solr'`). Both destinations hold exactly what the MLS
 * holds after a full sync and after an incremental one, a purge removes from Solr what the MLS
 * deleted, and `resync status` counts the Solr core.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig, type Config } from '../../config';
import { deleteSolrCore } from '../../activities/destinations/solr/cores';
import { fromRoot } from '../../scripts/lib/paths';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import type { RecordReport } from '../../worker/inspect/record';
import type { StatusReport } from '../../worker/inspect/status';
import { runKeyProcess } from '../support/key-runs';
import { expectSolrMatchesMls as expectSolrDocsMatch, solrCount as countIn, solrGet, solrIds } from '../support/solr-docs';
import { dropDatabases, query, runSync, testConfigInput, uniqueName, withWorker, writeConfigFile } from '../support/stack';

const RECORDS = 240;
const MEDIA_PER_RECORD = 2;
function cli(configFile: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', fromRoot('worker', 'cli.ts'), '--config', configFile, ...args],
      { cwd: fromRoot() },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('one source into MySQL and Solr', () => {
  let sim: SimulatorHandle;
  let config: Config;
  let configFile: string;
  let mysqlUrl: string;
  const solrUrl = inject('solrUrl');
  const corePrefix = `${uniqueName('t_solr')}_`;
  const core = `${corePrefix}Property`;
  const mediaCore = `${corePrefix}PropertyMedia`;

  const solrCount = async (name = core) => countIn(solrUrl, name);
  /** The distinct parents of the Solr Media documents, sorted. */
  const solrMediaParents = async () =>
    (
      await solrGet<{ facet_counts: { facet_fields: { resync_parent_key: (string | number)[] } } }>(
        `${solrUrl}/${mediaCore}/select?q=*:*&rows=0&facet=true&facet.field=resync_parent_key&facet.limit=-1&facet.mincount=1&facet.sort=index`,
      )
    ).facet_counts.facet_fields.resync_parent_key.filter((_, i) => i % 2 === 0) as string[];
  const solrKeys = async () => solrIds(solrUrl, core);
  const mysqlKeys = async () =>
    (await query<{ ListingKey: string }>(mysqlUrl, 'SELECT ListingKey FROM Property ORDER BY ListingKey')).map((r) => r.ListingKey);

  const expectSolrMatchesMls = (keys: string[]) => expectSolrDocsMatch(solrUrl, core, keys, (k) => sim.dataset.getRecord(k));

  beforeAll(async () => {
    sim = await startSimulator({ records: RECORDS, seed: 61, port: 0, pageSize: 100, mediaPerRecord: MEDIA_PER_RECORD });
    const base = testConfigInput({ simulatorUrl: sim.url, pageSize: 100, expand: [{ name: 'Media' }] });
    const input = {
      ...base,
      sources: { sim: { ...base.sources.sim, destinations: ['d0', 'search'] } },
      // commitWithin far beyond the test: what the tests read is visible only through the hard
      // commit that ends each run (Destination.finish).
      destinations: {
        ...base.destinations,
        search: { type: 'solr' as const, url: solrUrl, corePrefix, commitWithinMs: 600_000 },
      },
    };
    config = parseConfig(input);
    configFile = writeConfigFile(input);
    mysqlUrl = base.destinations.d0!.url;
    await withWorker(config, () => runSync(config, 'sim'));
  });

  afterAll(async () => {
    await sim?.close();
    for (const c of [core, mediaCore]) await deleteSolrCore(solrUrl, c).catch(() => undefined);
    if (config) await dropDatabases(config);
  });

  it('a full sync fills both destinations with every MLS record, Solr field by field', async () => {
    const live = sim.dataset.liveKeys();
    expect(live).toHaveLength(RECORDS);
    expect(await mysqlKeys()).toEqual(live);
    expect(await solrCount()).toBe(RECORDS);
    expect(await solrKeys()).toEqual(live);
    await expectSolrMatchesMls(live.filter((_, i) => i % 23 === 0));
    // Expanded Media: a core of their own, each child with its parent's key.
    expect(await solrCount(mediaCore)).toBe(RECORDS * MEDIA_PER_RECORD);
    expect(await solrMediaParents()).toEqual(live);
  });

  it('an incremental sync brings the records the MLS changed into both', async () => {
    const { keys: touched } = sim.dataset.touch(6, { distinct: true });
    await withWorker(config, () => runSync(config, 'sim'));
    expect(await solrCount()).toBe(RECORDS);
    await expectSolrMatchesMls(touched);
    const rows = await query<{ ListingKey: string; ts: string }>(
      mysqlUrl,
      `SELECT ListingKey, DATE_FORMAT(ModificationTimestamp, '%Y-%m-%dT%H:%i:%s.%fZ') AS ts FROM Property WHERE ListingKey IN (${touched.map(() => '?').join(',')})`,
      touched,
    );
    for (const row of rows)
      expect(Date.parse(row.ts), row.ListingKey).toBe(Date.parse(sim.dataset.getRecord(row.ListingKey)!.ModificationTimestamp as string));
    expect(rows).toHaveLength(touched.length);
  });

  it('resync status counts the Solr cores (and their Media) next to MySQL', async () => {
    const r = await cli(configFile, ['status', 'sim', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as StatusReport;
    const [property] = report.sources.find((s) => s.source === 'sim')!.resources;
    expect(property!.destinations.map((d) => [d.name, d.count, d.countMatches])).toEqual([
      ['d0', RECORDS, true],
      ['search', RECORDS, true],
    ]);
    // Child rows through the same contract (Destination.countChildren): MySQL's table, Solr's core.
    expect(property!.children.map((c) => [c.resource, c.destinations.map((d) => [d.name, d.table, d.count])])).toEqual([
      [
        'PropertyMedia',
        [
          ['d0', 'PropertyMedia', RECORDS * MEDIA_PER_RECORD],
          ['search', mediaCore, RECORDS * MEDIA_PER_RECORD],
        ],
      ],
    ]);
    expect(report.problems).toEqual([]);
  });

  it('resync record compares one record with the Solr document, field by field', async () => {
    const key = sim.dataset.liveKeys()[7]!;
    const same = JSON.parse((await cli(configFile, ['record', 'sim', 'Property', key, '--json'])).stdout) as RecordReport;
    const solr = same.destinations.find((d) => d.name === 'search')!;
    expect(solr).toMatchObject({ table: core, state: 'identical', differences: [] });
    expect(solr.equal).toBeGreaterThan(100);

    // A value changed by hand in Solr alone shows as the one difference there.
    const res = await fetch(`${solrUrl}/${core}/update?commit=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ id: key, City: { set: 'Nowhere' } }]),
    });
    expect(res.ok, await res.text()).toBe(true);
    const changed = JSON.parse((await cli(configFile, ['record', 'sim', 'Property', key, '--json'])).stdout) as RecordReport;
    expect(changed.destinations.find((d) => d.name === 'search')!.differences).toEqual([
      { field: 'City', column: 'City', mls: sim.dataset.getRecord(key)!.City, destination: 'Nowhere' },
    ]);
    expect(changed.destinations.find((d) => d.name === 'd0')!.state).toBe('identical');
  });

  it('a reconcile restores documents missing from Solr', async () => {
    const lost = sim.dataset.liveKeys().filter((_, i) => i % 31 === 4);
    const res = await fetch(`${solrUrl}/${core}/update?commit=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ delete: lost }),
    });
    expect(res.ok).toBe(true);
    expect(await solrCount()).toBe(RECORDS - lost.length);

    const outcome = await withWorker(config, () => runKeyProcess(config, 'reconcile'));

    expect(outcome.failure).toBeUndefined();
    expect(outcome.result?.byDestination.search).toMatchObject({ rows: RECORDS - lost.length, missing: lost.length, stale: 0 });
    expect(outcome.result?.byDestination.d0).toMatchObject({ rows: RECORDS, missing: 0, stale: 0 });
    expect(await solrKeys()).toEqual(sim.dataset.liveKeys());
    await expectSolrMatchesMls(lost);
  });

  it('a purge removes from Solr (and MySQL) what the MLS deleted', async () => {
    const gone = sim.dataset.liveKeys().filter((_, i) => i % 29 === 3);
    sim.dataset.remove(gone);
    const outcome = await withWorker(config, () => runKeyProcess(config, 'purge'));
    expect(outcome.failure).toBeUndefined();
    expect(outcome.result?.byDestination.search).toMatchObject({ rows: RECORDS, extra: gone.length, deleted: gone.length });
    const live = sim.dataset.liveKeys();
    expect(await solrKeys()).toEqual(live);
    expect(await mysqlKeys()).toEqual(live);
    // The Media of deleted listings went with them (purgeWithParent).
    expect(await solrMediaParents()).toEqual(live);
    expect(await solrCount(mediaCore)).toBe(live.length * MEDIA_PER_RECORD);
  });
});
