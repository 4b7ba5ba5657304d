/**
 * One source writing Solr, PostgreSQL and MySQL at once (Solr first: it holds the high-water
 * mark), end to end through Temporal: after a full sync, an incremental one and a purge every
 * destination holds exactly what the MLS holds — MySQL and PostgreSQL field by field on every
 * record, Solr field by field on a sample, and the counts of parents and Media children on all
 * three — and `resync status` and the dashboard count all three alike.
 */
import { execFile } from 'node:child_process';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deleteSolrCore } from '../../activities/destinations/solr/cores';
import { Runtime } from '../../activities/runtime';
import { parseConfig, type Config } from '../../config';
import { CountsService } from '../../dashboard/server/counts';
import { fromRoot } from '../../scripts/lib/paths';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import type { StatusReport } from '../../worker/inspect/status';
import { expectDestinationsMatch } from '../support/compare';
import { runKeyProcess } from '../support/key-runs';
import { dropTestDatabases, expectPgChildrenMatch, expectPgMatches, pgDatabaseUrl, pgQuery } from '../support/pg-stack';
import { expectSolrMatchesMls, solrCount, solrIds } from '../support/solr-docs';
import { query, runSync, testConfigInput, uniqueName, withWorker, writeConfigFile } from '../support/stack';

const RECORDS = 300;
const MEDIA = 2;
const DESTINATIONS = ['search', 'pg', 'd0'];

describe('one source into Solr, PostgreSQL and MySQL at once', () => {
  const source = uniqueName('three');
  const solrUrl = inject('solrUrl');
  const corePrefix = `${uniqueName('t_three')}_`;
  const cores = { property: `${corePrefix}Property`, media: `${corePrefix}PropertyMedia` };
  let sim: SimulatorHandle;
  let config: Config;
  let configFile: string;
  let pgUrl: string;
  let mysqlUrl: string;

  const mls = () => ({ keys: () => sim.dataset.liveKeys(), record: (k: string) => sim.dataset.getRecord(k) });
  const media = () =>
    sim.dataset.liveKeys().flatMap((parentKey) => sim.dataset.getMedia(parentKey)!.map((record) => ({ parentKey, record })));

  /** Parents and Media children in each destination, by destination name. */
  async function counts(): Promise<Record<string, [number, number]>> {
    const pgCount = async (table: string) => Number((await pgQuery<{ n: string }>(pgUrl, `SELECT count(*) AS n FROM "${table}"`))[0]!.n);
    const myCount = async (table: string) => Number((await query<{ n: number }>(mysqlUrl, `SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);
    return {
      search: [await solrCount(solrUrl, cores.property), await solrCount(solrUrl, cores.media)],
      pg: [await pgCount('Property'), await pgCount('PropertyMedia')],
      d0: [await myCount('Property'), await myCount('PropertyMedia')],
    };
  }

  /** Every destination exact: counts on all, fields on every record (MySQL, PostgreSQL) or a sample (Solr). */
  async function expectAllExact(sample: string[]): Promise<void> {
    const live = sim.dataset.liveKeys();
    const expected: [number, number] = [live.length, live.length * MEDIA];
    expect(await counts()).toEqual({ search: expected, pg: expected, d0: expected });
    expect(await solrIds(solrUrl, cores.property)).toEqual(live);
    await expectSolrMatchesMls(solrUrl, cores.property, sample, (k) => sim.dataset.getRecord(k));
    await expectPgMatches(config, source, 'pg', mls());
    await expectPgChildrenMatch(config, source, 'pg', 'Media', media());
    await expectDestinationsMatch(config, source, 'Property', mls());
  }

  beforeAll(async () => {
    sim = await startSimulator({ records: RECORDS, seed: 81, port: 0, mediaPerRecord: MEDIA });
    const base = testConfigInput({ simulatorUrl: sim.url, source, pageSize: 100, expand: [{ name: 'Media' }] });
    const input = {
      ...base,
      sources: { [source]: { ...base.sources[source]!, destinations: DESTINATIONS } },
      destinations: {
        ...base.destinations,
        search: { type: 'solr' as const, url: solrUrl, corePrefix },
        pg: { type: 'postgres' as const, url: pgDatabaseUrl() },
      },
    };
    config = parseConfig(input);
    configFile = writeConfigFile(input);
    pgUrl = input.destinations.pg.url;
    mysqlUrl = base.destinations.d0!.url;
  });

  afterAll(async () => {
    await sim?.close();
    for (const core of Object.values(cores)) await deleteSolrCore(solrUrl, core).catch(() => undefined);
    if (config) await dropTestDatabases(config);
  });

  it('a full sync makes all three exact', async () => {
    const { result } = await withWorker(config, () => runSync(config, source));
    expect(result).toMatchObject({ downloaded: RECORDS, upserted: RECORDS, rejected: 0 });
    await expectAllExact(sim.dataset.liveKeys().filter((_, i) => i % 17 === 0));
  });

  it('an incremental sync brings every change into all three', async () => {
    const { keys: touched } = sim.dataset.touch(12, { distinct: true, photos: true });
    const { keys: added } = sim.dataset.add(6);
    const { result } = await withWorker(config, () => runSync(config, source));
    expect(result.downloaded).toBeGreaterThanOrEqual(18);
    expect(result.downloaded).toBeLessThan(100);
    await expectAllExact([...touched, ...added]);
  });

  it('resync status and the dashboard count all three alike', async () => {
    const live = sim.dataset.liveKeys().length;
    const status = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', fromRoot('worker', 'cli.ts'), '--config', configFile, 'status', source, '--json'],
        { cwd: fromRoot() },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(status.code, status.stderr).toBe(0);
    const [property] = (JSON.parse(status.stdout) as StatusReport).sources[0]!.resources;
    expect(property!.destinations.map((d) => [d.name, d.count, d.countMatches, d.newestMatches])).toEqual(
      DESTINATIONS.map((name) => [name, live, true, true]),
    );
    expect(property!.children[0]!.destinations.map((d) => [d.name, d.count])).toEqual(DESTINATIONS.map((name) => [name, live * MEDIA]));

    const runtime = new Runtime(config, pino({ level: 'silent' }));
    try {
      const dashboard = await new CountsService(config, runtime).get(source, { refresh: true });
      const [resource] = dashboard.resources;
      expect(resource!.destinations.map((d) => [d.name, d.count, d.verdict.state, d.error])).toEqual(
        DESTINATIONS.map((name) => [name, live, 'in-step', undefined]),
      );
      for (const d of resource!.destinations) expect(Date.parse(d.newest!), d.name).toBe(Date.parse(resource!.mls.newest!));
      expect(resource!.children[0]!.destinations.map((d) => [d.name, d.count])).toEqual(DESTINATIONS.map((name) => [name, live * MEDIA]));
      expect(dashboard.status).toBe('match');
    } finally {
      await runtime.close();
    }
  });

  it('a purge removes what the MLS deleted from all three, Media included', async () => {
    const gone = sim.dataset.liveKeys().filter((_, i) => i % 23 === 4);
    sim.dataset.remove(gone);
    const outcome = await withWorker(config, () => runKeyProcess(config, 'purge', { source }));
    expect(outcome.failure).toBeUndefined();
    for (const name of DESTINATIONS) expect(outcome.result?.byDestination[name], name).toMatchObject({ deleted: gone.length });
    await expectAllExact(sim.dataset.liveKeys().filter((_, i) => i % 29 === 0));
  });
});
