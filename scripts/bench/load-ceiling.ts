/**
 * The physical ceiling of a sync into MariaDB: the same rows the writer would write (shaped and
 * converted by the destination's own code, outside the clock) loaded by the server's fastest path,
 * `LOAD DATA LOCAL INFILE` from a stream into empty tables, parents and children on two
 * connections at once. What separates the writer's ceiling from this one is the cost of building
 * and parsing upsert SQL text.
 */
import { Readable } from 'node:stream';
import type { Pool, ResultSetHeader } from 'mysql2/promise';
import type { ResourceModel } from '../../activities/destinations/destination';
import { navigationFields, shapeHooks, shapePage } from '../../activities/destinations/shape';
import { loadSql, tsvChunks } from '../../activities/destinations/mysql/bulk-load';
import { openPool } from '../../activities/destinations/mysql/pool';
import { applySchema, PARENT_KEY_COLUMN, planChildTable, planTable, type TablePlan } from '../../activities/destinations/mysql/schema';
import { prepareRows } from '../../activities/destinations/mysql/writer';
import { cpuMeter } from './cpu';

const identity = { table: (_source: string, resource: string) => resource, field: (_resource: string, field: string) => field };

/** The rows as LOAD DATA text, exactly as the destination's bulk path streams them (converted outside the clock). */
function tsvText(rows: (string | number | null)[][]): Buffer {
  return Buffer.concat([...tsvChunks(rows, rows.keys())]);
}

export interface LoadCeiling {
  /** Seconds spent in LOAD DATA (the clock), and in shaping and converting (not counted). */
  loadSeconds: number;
  convertSeconds: number;
  rows: number;
  /** CPU seconds the server used inside the clock, when its pid was given. */
  serverCpuSeconds?: number | undefined;
}

/**
 * Loads `pages` (records as the MLS sends them, children inside) into fresh tables of the
 * database in `url`, in chunks of whole pages; returns the time the server took.
 */
export async function loadCeiling(
  url: string,
  model: ResourceModel,
  pages: Iterable<Record<string, unknown>[]>,
  serverPid?: number,
): Promise<LoadCeiling> {
  const pool = await openPool(url);
  try {
    const parent = planTable(model, identity);
    const children = (model.children ?? []).map((c) => planChildTable(model, c, identity));
    for (const plan of [parent, ...children]) await applySchema(pool, plan);
    const hooks = shapeHooks('bench-load', {}, PARENT_KEY_COLUMN);
    const ignore = navigationFields(model);
    let loadMs = 0;
    let convertMs = 0;
    let rows = 0;
    // Undefined from the first load on whose CPU could not be read (no pid given, or the server gone).
    let serverCpu: number | undefined = 0;
    for (const records of pages) {
      const converting = performance.now();
      const page = shapePage(model, records, hooks);
      const tables: { plan: TablePlan; text: Buffer; rows: number }[] = [];
      const prepared = prepareRows(parent, model.keyField, page.parents, { ignore });
      tables.push({ plan: parent, text: tsvText(prepared.rows), rows: prepared.rows.length });
      const unstorable = prepared.rejects.length;
      for (const [i, child] of (model.children ?? []).entries()) {
        const childRows = prepareRows(children[i]!, child.keyField, page.children[i]!.records);
        if (childRows.rejects.length > 0) throw new Error(`load ceiling: ${childRows.rejects[0]!.reason}`);
        tables.push({ plan: children[i]!, text: tsvText(childRows.rows), rows: childRows.rows.length });
      }
      if (unstorable > 0) throw new Error(`load ceiling: ${prepared.rejects[0]!.reason}`);
      convertMs += performance.now() - converting;
      // Read outside the clock, like the conversion.
      const serverMeter = cpuMeter({ mariadb: serverPid });
      const loading = performance.now();
      await Promise.all(tables.map((t) => loadTable(pool, t.plan, t.text, t.rows)));
      loadMs += performance.now() - loading;
      const used = serverMeter().mariadbSeconds;
      serverCpu = serverCpu === undefined || used === undefined ? undefined : serverCpu + used;
      rows += prepared.rows.length;
    }
    return {
      loadSeconds: loadMs / 1000,
      convertSeconds: convertMs / 1000,
      rows,
      serverCpuSeconds: serverCpu,
    };
  } finally {
    await pool.end();
  }
}

/** One LOAD DATA statement; refuses a result other than every row loaded without a warning. */
async function loadTable(pool: Pool, plan: TablePlan, text: Buffer, rows: number): Promise<void> {
  const [result] = await pool.query<ResultSetHeader>({
    sql: loadSql(plan),
    infileStreamFactory: () => Readable.from([text]),
  });
  if (result.affectedRows !== rows || result.warningStatus !== 0) {
    throw new Error(
      `load ceiling: ${plan.table} took ${result.affectedRows} of ${rows} rows with ${result.warningStatus} warnings (${result.info})`,
    );
  }
}
