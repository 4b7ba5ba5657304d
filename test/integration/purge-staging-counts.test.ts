/**
 * Purge's deleted count on failure: a batch is marked in staging before its delete, so a count taken
 * when the delete failed must stop at the last batch whose delete committed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatsStore } from '../../activities/stats/store';
import { countExisted, markExisted, recordDiffs } from '../../activities/keys/staging';
import { dropDatabases, testConfig } from '../support/stack';

describe('purge staging counts', () => {
  const config = testConfig({ simulatorUrl: 'http://127.0.0.1:9/odata' });
  let store: StatsStore;

  beforeAll(async () => {
    store = await StatsStore.open(config.control.url);
    await store.migrate();
  });

  afterAll(async () => {
    await store?.pool.end();
    await dropDatabases(config);
  });

  it('counts only the batches whose delete committed when a later batch failed', async () => {
    const keys = ['a1', 'a2', 'b1', 'b2', 'c1'];
    await recordDiffs(
      store.pool,
      'run-1',
      'main',
      keys.map((key) => ({ key, kind: 'delete' as const })),
    );
    // Batches [a1 a2] and [b1 b2] were deleted; [c1] was marked, then its delete failed.
    await markExisted(store.pool, 'run-1', 'main', ['a1', 'a2']);
    await markExisted(store.pool, 'run-1', 'main', ['b1', 'b2']);
    await markExisted(store.pool, 'run-1', 'main', ['c1']);
    expect(await countExisted(store.pool, 'run-1', 'main', 'b2')).toBe(4);
    expect(await countExisted(store.pool, 'run-1', 'main', null)).toBe(0);
    expect(await countExisted(store.pool, 'run-1', 'main')).toBe(5);
  });
});
