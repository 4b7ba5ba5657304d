import { it, expect } from 'vitest';
import { startSimulator } from '../../simulator/server';
import { defaultToken } from '../../simulator/personalities/common';
import { runSync } from '../support/contract';
import { testConfig, withWorker, uniqueName } from '../support/stack';

it('timing', async () => {
  const sim = await startSimulator({ records: 1200, seed: 5, port: 0, personality: 'mlsgrid', personalityOptions: { deepSkipLimit: 600 } });
  const source = uniqueName('dbg');
  const config = testConfig({ simulatorUrl: sim.url, source, platform: 'mlsgrid', originatingSystemName: 'actris', auth: { type: 'bearer', token: defaultToken('mlsgrid') }, pageSize: 250, logLevel: 'debug' });
  const t0 = Date.now();
  await withWorker(config, async () => {
    console.log('worker up', Date.now() - t0);
    await runSync(config, source);
    console.log('synced', Date.now() - t0);
  });
  console.log('done', Date.now() - t0, JSON.stringify(sim.stats.recentExchanges.map(e => [e.at - t0, e.status, e.url.slice(0, 60)])));
  await sim.close();
  expect(1).toBe(1);
});
