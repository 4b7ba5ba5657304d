/**
 * One record, as the MLS has it and as each destination stores it, with the fields that differ.
 * Shared by the dashboard's Record page and meant for `resync record` too: it needs only a
 * Runtime (the MLS client and $metadata) and a way to open destination pools, and returns
 * plain values.
 *
 * The MLS value is first put through the very conversion the writer applies
 * (toColumnValue), so a difference means the destination holds something other than what a
 * sync would write now, not merely that MySQL spells a date or a decimal differently.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Runtime } from '../../activities/runtime';
import type { ResourceModel } from '../../activities/destinations';
import { toColumnValue, type ColumnPlan } from '../../activities/destinations/mysql/columns';
import { quoteIdent } from '../../activities/destinations/mysql/identifiers';
import { EXTRA_COLUMN, planTable, type TablePlan } from '../../activities/destinations/mysql/schema';
import { buildResourceUrl, composeFilter, keyLiteral } from '../../activities/source/query';

export interface LookupDestination {
  name: string;
  /** Null when the table name could not be worked out (see error). */
  table: string | null;
  found: boolean;
  /** Stored values by MLS field name (columns mapped back through the naming hooks). */
  row: Record<string, unknown> | null;
  /** The destination reshapes records (transform hook): differences may be intended. */
  transforms: boolean;
  error?: string;
}

export interface LookupField {
  field: string;
  /** What a sync would store for the MLS value now, as text; `rejected: …` when it cannot be stored. */
  mls: string | null;
  destinations: Record<string, string | null>;
  differs: string[];
}

export interface RecordLookupResult {
  source: string;
  resource: string;
  key: string;
  keyField: string;
  mls: { found: boolean; record: Record<string, unknown> | null; error?: string };
  destinations: LookupDestination[];
  /** Every field of $metadata, in its order, compared across the MLS and each destination. */
  fields: LookupField[];
}

export interface LookupDeps {
  runtime: Runtime;
  pool(url: string): Promise<Pool>;
}

/** Error from the lookup itself (not from one side of it): an unknown source, resource or key shape. */
export class RecordLookupError extends Error {
  override readonly name = 'RecordLookupError';
}

const REQUEST_TIMEOUT_MS = 15_000;

export async function lookupRecord(deps: LookupDeps, source: string, resource: string, key: string): Promise<RecordLookupResult> {
  const { runtime } = deps;
  const src = runtime.config.sources[source];
  if (!src) throw new RecordLookupError(`source "${source}" is not in the config`);
  if (!src.resources.some((r) => r.name === resource)) {
    throw new RecordLookupError(
      `source "${source}" has no resource "${resource}" (configured: ${src.resources.map((r) => r.name).join(', ')})`,
    );
  }
  const model = await runtime.resourceModel(source, resource, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
  const numeric = isNumericKey(model);
  if (numeric && !/^-?\d+(\.\d+)?$/.test(key)) throw new RecordLookupError(`${model.keyField} is numeric; "${key}" is not a number`);

  const names = src.destinations ?? Object.keys(runtime.config.destinations);
  const [mls, destinations] = await Promise.all([
    fetchFromMls(runtime, model, key, numeric),
    Promise.all(names.map((n) => readDestination(deps, model, n, key))),
  ]);

  const plans = new Map(destinations.map((d) => [d.name, d.plan]));
  const fields: LookupField[] = [];
  for (const f of model.entity.fields) {
    const reference = [...plans.values()].find((p) => p)?.byField.get(f.name);
    const mlsText = mls.record ? expected(reference, mls.record[f.name]) : null;
    const values: Record<string, string | null> = {};
    const differs: string[] = [];
    for (const d of destinations) {
      if (!d.result.row) continue;
      const plan = d.plan?.byField.get(f.name);
      const stored = textOf(d.result.row[f.name]);
      values[d.name] = stored;
      let want = mls.record ? expected(plan, mls.record[f.name]) : null;
      if (f.name === model.keyField && want !== null) want = d.storedKey;
      if (mls.record && !same(plan, want, stored)) differs.push(d.name);
    }
    fields.push({ field: f.name, mls: mlsText, destinations: values, differs });
  }
  return {
    source,
    resource,
    key,
    keyField: model.keyField,
    mls: { found: !!mls.record, record: mls.record, ...(mls.error ? { error: mls.error } : {}) },
    destinations: destinations.map((d) => d.result),
    fields,
  };
}

async function fetchFromMls(runtime: Runtime, model: ResourceModel, key: string, numeric: boolean) {
  try {
    const rt = runtime.source(model.source);
    const filter = composeFilter({
      required: rt.platform.requiredFilter?.(rt.config),
      window: [`${model.keyField} eq ${keyLiteral(key, numeric)}`],
    });
    const url = buildResourceUrl(rt.config.url, model.resource, { ...(filter ? { filter } : {}), top: 1 });
    const page = await rt.http.getCollection(url, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
    return { record: page.records[0] ?? null };
  } catch (err) {
    return { record: null, error: (err as Error).message };
  }
}

async function readDestination(deps: LookupDeps, model: ResourceModel, name: string, key: string) {
  const config = deps.runtime.config.destinations[name];
  const fail = (error: string, table: string | null = null) => ({
    name,
    plan: undefined,
    storedKey: key,
    result: { name, table, found: false, row: null, transforms: !!config?.transform, error } satisfies LookupDestination,
  });
  if (!config) return fail(`destination "${name}" is not in the config`);
  let plan: TablePlan;
  try {
    plan = planTable(model, {
      table: (s, r) => config.makeTableName?.(s, r) ?? r,
      field: (r, f) => config.makeFieldName?.(r, f) ?? f,
    });
  } catch (err) {
    return fail((err as Error).message);
  }
  const storedKey = config.keyMapping ? config.keyMapping.toDestination(key, model.resource) : key;
  const keyColumn = plan.byField.get(model.keyField)?.column ?? plan.keyColumns[0]!;
  try {
    const pool = await deps.pool(config.url);
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT * FROM ${quoteIdent(plan.table)} WHERE ${quoteIdent(keyColumn)} = ? LIMIT 1`, [
      storedKey,
    ]);
    const raw = rows[0];
    let row: Record<string, unknown> | null = null;
    if (raw) {
      row = {};
      for (const c of plan.columns) row[c.field] = raw[c.column] ?? null;
      if (raw[EXTRA_COLUMN] !== undefined && raw[EXTRA_COLUMN] !== null) row[EXTRA_COLUMN] = raw[EXTRA_COLUMN];
    }
    return {
      name,
      plan,
      storedKey,
      result: { name, table: plan.table, found: !!row, row, transforms: !!config.transform } satisfies LookupDestination,
    };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ER_NO_SUCH_TABLE' || code === 'ER_BAD_DB_ERROR') {
      return {
        name,
        plan,
        storedKey,
        result: { name, table: plan.table, found: false, row: null, transforms: !!config.transform } satisfies LookupDestination,
      };
    }
    return fail((err as Error).message, plan.table);
  }
}

/** The MLS value as the column would take it, as text. */
function expected(plan: ColumnPlan | undefined, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (!plan) return typeof value === 'string' ? value : JSON.stringify(value);
  try {
    return textOf(toColumnValue(plan, value));
  } catch (err) {
    return `rejected: ${(err as Error).message}`;
  }
}

function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Equal as the column's kind sees it: 1.50 is 1.5, a DATETIME's trailing zeros do not count. */
function same(plan: ColumnPlan | undefined, a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  switch (plan?.kind) {
    case 'int':
    case 'bool':
    case 'decimal':
      return a === b || (Number.isFinite(Number(a)) && Number(a) === Number(b)) || trimDecimal(a) === trimDecimal(b);
    case 'double': {
      const x = Number(a);
      const y = Number(b);
      return x === y || Math.abs(x - y) <= Math.abs(x) * 1e-12;
    }
    case 'datetime':
    case 'time':
      return trimFraction(a) === trimFraction(b);
    case 'json':
      return canonicalJson(a) === canonicalJson(b);
    default:
      return a === b;
  }
}

function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function trimFraction(text: string): string {
  return text
    .replace('T', ' ')
    .replace(/Z$/, '')
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

function canonicalJson(text: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(text)));
  } catch {
    return text;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function isNumericKey(model: ResourceModel): boolean {
  const field = model.entity.fields.find((f) => f.name === model.keyField);
  return field?.type.kind === 'primitive' && /^Edm\.(S?Byte|Int16|Int32|Int64|Decimal)$/.test(field.type.name);
}
