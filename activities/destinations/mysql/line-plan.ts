/**
 * The plan the JSON thread writes a page's LOAD DATA lines by (json-lines.mjs): the destination's
 * table plans as plain data, each with an id that changes whenever anything the line depends on
 * does (a column's type or bounds, its order, the fields that are not columns).
 */
import { createHash } from 'node:crypto';
import type { LineColumn, LinePlan, LineTable } from '../../common/load-lines';
import type { ColumnPlan } from './columns';
import type { TablePlan } from './schema';
import { inheritsFieldName } from './writer';

function lineColumn(c: ColumnPlan): LineColumn {
  return {
    field: c.field,
    kind: c.kind,
    ...(c.maxChars !== undefined ? { maxChars: c.maxChars } : {}),
    ...(c.min !== undefined ? { min: String(c.min) } : {}),
    ...(c.max !== undefined ? { max: String(c.max) } : {}),
    ...(c.fraction !== undefined ? { fraction: c.fraction } : {}),
    ...(c.precision !== undefined ? { precision: c.precision } : {}),
    ...(c.scale !== undefined ? { scale: c.scale } : {}),
    ...(c.flags ? { flags: true } : {}),
    ...(c.lenient ? { lenient: true } : {}),
    ...(c.format ? { format: c.format } : {}),
  };
}

const tables = new WeakMap<TablePlan, Map<string, LineTable>>();

/**
 * A table plan as lines see it. `context` is what else decides a line (the parent's navigations,
 * a child's parent key field); plans are replaced, never changed, so one per plan and context is kept.
 */
export function lineTable(plan: TablePlan, context: string): LineTable {
  let byContext = tables.get(plan);
  if (!byContext) tables.set(plan, (byContext = new Map()));
  let table = byContext.get(context);
  if (!table) {
    const columns = plan.columns.map(lineColumn);
    const id = createHash('sha256')
      .update(JSON.stringify({ table: plan.table, columns, context }))
      .digest('base64url');
    // What keptColumns reads of a lined record; a child's parent key is shaping's to set, not the record's.
    const keep = plan.columns
      .filter((c) => (plan.keyColumns.includes(c.column) || c.column === plan.cursorColumn) && c.column !== plan.parentKeyColumn)
      .map((c) => c.field);
    table = { id, columns, keep };
    byContext.set(context, table);
  }
  return table;
}

export function linePlan(
  keyField: string,
  parent: TablePlan,
  navigations: string[],
  children: { navigation: string; parentKeyField: string; plan: TablePlan }[],
): LinePlan | undefined {
  // prepareRows reads records of such plans by name (see inheritsFieldName), which lines cannot mirror.
  if ([parent, ...children.map((c) => c.plan)].some(inheritsFieldName)) return undefined;
  return {
    keyField,
    parent: lineTable(parent, JSON.stringify(navigations)),
    navigations,
    children: children.map((c) => ({
      navigation: c.navigation,
      parentKeyField: c.parentKeyField,
      table: lineTable(c.plan, c.parentKeyField),
    })),
  };
}
