/**
 * Read-only pools on destination databases (counts, record lookup), one per URL, opened on first
 * use. A destination database that does not exist yet is not created here: the dashboard only
 * looks.
 */
import type { Pool } from 'mysql2/promise';
import { openPool } from '../../activities/destinations/mysql/pool';

export class DestinationPools {
  private readonly pools = new Map<string, Promise<Pool>>();

  get(url: string): Promise<Pool> {
    let pool = this.pools.get(url);
    if (!pool) {
      pool = openPool(url, { connectionLimit: 2 }, { createDatabase: false });
      pool.catch(() => this.pools.delete(url));
      this.pools.set(url, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.end().catch(() => undefined)));
  }
}
