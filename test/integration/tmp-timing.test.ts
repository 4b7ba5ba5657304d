import { it } from 'vitest';
import { startSimulator } from '../../simulator/server';
import { parseConfig } from '../../config';
import { startSync } from '../../worker/commands/sync';
import { runKeyProcess, startKeyRun } from '../support/key-runs';
import { dropDatabases, temporalClient, testConfigInput, withWorker } from '../support/stack';

it('timing', async () => {
  const sim = await startSimulator({ records: 700, seed: 21, port: 0, pageSize: 100, mediaPerRecord: 2 });
  const input = testConfigInput({ simulatorUrl: sim.url });
  const resources = [{ name: 'Property', pageSize: 100, expand: [{ name: 'Media' }] }];
  const config = parseConfig({ ...input, sources: { sim: { ...input.sources.sim, resources } } });
  let t = Date.now();
  await withWorker(config, async () => {
    console.log('worker up', Date.now() - t); t = Date.now();
    const client = await temporalClient(config);
    await (await startSync(client, config, 'sim', 'Property')).result();
    console.log('sync', Date.now() - t); t = Date.now();
    sim.dataset.remove(sim.dataset.liveKeys().slice(0, 5));
    const h = await startKeyRun(client, config, 'purge');
    const r = await h.result();
    console.log('purge', Date.now() - t, JSON.stringify(r)); t = Date.now();
    const hist = await h.fetchHistory();
    for (const e of hist.events ?? []) console.log(e.eventTime?.seconds?.toString(), e.eventTime?.nanos, e.eventType, e.activityTaskScheduledEventAttributes?.activityType?.name ?? '');
    await client.connection.close();
  });
  console.log('worker down', Date.now() - t);
  await sim.close(); await dropDatabases(config);
});
