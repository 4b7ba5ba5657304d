/**
 * Rows of a resource's child tables (each `expand`, e.g. Media of Property in `PropertyMedia`) in
 * every destination, for `resync status`. The MLS gives no count of children, so these are shown
 * beside their resource without a verdict (as the dashboard does).
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { ResourceModel } from '../../activities/destinations';
import { MysqlDestination } from '../../activities/destinations/mysql';
import { quoteIdent } from '../../activities/destinations/mysql/identifiers';
import { openPool } from '../../activities/destinations/mysql/pool';
import type { Runtime } from '../../activities/runtime';
import type { Config } from '../../config';

export interface ChildTableCount {
  /** `<Resource><Navigation>`, the name destination hooks receive. */
  resource: string;
  navigation: string;
  destinations: { name: string; table: string | null; count: number | null; error?: string }[];
}

export async function childTableCounts(config: Config, runtime: Runtime, model: ResourceModel): Promise<ChildTableCount[]> {
  const children = model.children ?? [];
  if (children.length === 0) return [];
  const result: ChildTableCount[] = children.map((c) => ({ resource: c.resource, navigation: c.navigation, destinations: [] }));
  for (const dest of runtime.destinationsFor(model.source)) {
    const url = config.destinations[dest.name]?.url;
    if (!(dest instanceof MysqlDestination) || !url) {
      for (const r of result)
        r.destinations.push({ name: dest.name, table: null, count: null, error: 'child tables are counted in MySQL destinations only' });
      continue;
    }
    let pool: Pool | undefined;
    try {
      pool = await openPool(url, { connectionLimit: 1 }, { createDatabase: false });
      for (const [i, child] of children.entries()) {
        const table = dest.childTablePlan(model, child.navigation).table;
        result[i]!.destinations.push({ name: dest.name, table, ...(await countRows(pool, table)) });
      }
    } catch (err) {
      for (const r of result)
        if (!r.destinations.some((d) => d.name === dest.name))
          r.destinations.push({ name: dest.name, table: null, count: null, error: (err as Error).message });
    } finally {
      await pool?.end();
    }
  }
  return result;
}

async function countRows(pool: Pool, table: string): Promise<{ count: number | null; error?: string }> {
  try {
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteIdent(table)}`);
    return { count: Number(rows[0]?.n ?? 0) };
  } catch (err) {
    // Nothing synced yet: no rows, which is a fact, not a failure.
    if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') return { count: 0 };
    return { count: null, error: (err as Error).message };
  }
}
