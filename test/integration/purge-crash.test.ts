/**
 * A purge whose worker is SIGKILLed twice — during the key download and in the middle of the
 * deletes — ends exact on a third worker: every deleted record gone with its children, nothing
 * else touched, the deleted count exact, and completed key pages not downloaded again.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { parseConfig, type Config } from '../../config';
import { startChildWorker } from '../support/child-worker';
import { startKeyRun } from '../support/key-runs';
import { dropDatabases, query, runSync, temporalClient, testConfigInput, withWorker, writeConfigFile } from '../support/stack';

const KEY_PAGE = '$select=ListingKey%2CModificationTimestamp';

describe('crash during purge', () => {
  let sim: SimulatorHandle;
  let config: Config;
  let configFile: string;
  let destination: string;

  const destinationKeys = async () =>
    (await query<{ ListingKey: string }>(destination, 'SELECT ListingKey FROM Property ORDER BY ListingKey')).map((r) => r.ListingKey);
  const keyPages = () => sim.stats.recentRequests.filter((u) => u.includes(KEY_PAGE));

  beforeAll(async () => {
    // Server pages of 50 keys, each answered slowly: the download lasts long enough to be killed in.
    sim = await startSimulator({ records: 3000, seed: 11, port: 0, pageSize: 50, latencyMs: 60, mediaPerRecord: 1 });
    const base = testConfigInput({ simulatorUrl: sim.url });
    // Batches of 10 parents: the 100 deletes take ten transactions.
    const resources = [{ name: 'Property', pageSize: 100, expand: [{ name: 'Media' }], purge: { deleteBatchSize: 10 } }];
    const input = { ...base, sources: { sim: { ...base.sources.sim!, resources } } };
    config = parseConfig(input);
    configFile = writeConfigFile(input);
    destination = Object.values(input.destinations)[0]!.url;
    await withWorker(config, () => runSync(config, 'sim'));
    expect(await destinationKeys()).toEqual(sim.dataset.liveKeys());
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  it('resumes the key download and the deletes on other workers and ends exact', async () => {
    const gone = sim.dataset.liveKeys().filter((_, i) => i % 30 === 17);
    expect(gone).toHaveLength(100);
    sim.dataset.remove(gone);
    // A row of the sixth delete batch stays locked, so the fifth batch is the last one a worker can
    // finish before it is killed in the middle of the deletes.
    const lock = await lockRow(destination, [...gone].sort()[55]!);
    sim.resetStats();

    const client = await temporalClient(config);
    const workers = [await startChildWorker(configFile, 'purge-crash-worker-1', { built: true })];
    try {
      const handle = await startKeyRun(client, config, 'purge');
      const began = Date.now();
      while (keyPages().length < 20) await sleep(50);
      const pagesBeforeKill = keyPages().length;
      const secondsBeforeKill = (Date.now() - began) / 1000;
      await workers[0]!.kill('SIGKILL');

      workers.push(await startChildWorker(configFile, 'purge-crash-worker-2', { built: true }));
      // Five batches of ten deleted, the sixth waiting for the lock: kill in the middle of the deletes.
      while ((await destinationKeys()).length > 3000 - 50) await sleep(100);
      await sleep(500);
      expect((await destinationKeys()).length).toBe(2950);
      await workers[1]!.kill('SIGKILL');
      await lock.release();

      workers.push(await startChildWorker(configFile, 'purge-crash-worker-3', { built: true }));
      const result = await handle.result();

      expect(result).toMatchObject({ deleted: 100, keysStaged: 2900, expected: 2900 });
      const urls = keyPages();
      const repeated = urls.length - new Set(urls).size;
      // Heartbeats reach the server every second; add the page being staged and the one prefetched.
      expect(repeated).toBeLessThanOrEqual(Math.ceil(pagesBeforeKill / secondsBeforeKill) + 2);
      expect(urls.length).toBeLessThan(61 + 10);
    } finally {
      await lock.release();
      for (const w of workers) await w.kill('SIGKILL');
      await client.connection.close();
    }

    expect(await destinationKeys()).toEqual(sim.dataset.liveKeys());
    const parents = await query<{ p: string }>(destination, 'SELECT _resync_parent_key AS p FROM PropertyMedia ORDER BY p');
    expect(parents.map((r) => r.p)).toEqual(sim.dataset.liveKeys());
    const runs = await query(config.control.url, "SELECT outcome, deleted FROM resync_runs WHERE process = 'purge'");
    expect(runs).toEqual([{ outcome: 'succeeded', deleted: 100 }]);
    expect(await query(config.control.url, 'SELECT 1 FROM resync_staging_keys')).toEqual([]);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Holds a row lock in an open transaction until released, like a long-running writer would. */
async function lockRow(url: string, key: string): Promise<{ release(): Promise<void> }> {
  const u = new URL(url);
  const conn = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    database: u.pathname.slice(1),
  });
  await conn.beginTransaction();
  await conn.query('SELECT ListingKey FROM Property WHERE ListingKey = ? FOR UPDATE', [key]);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await conn.rollback();
      await conn.end();
    },
  };
}
