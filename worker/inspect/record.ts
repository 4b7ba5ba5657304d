/**
 * `resync record <source> <resource> <key>`: the record as the MLS has it now against the row in
 * every destination, field by field. Each destination puts the MLS value in its stored form first
 * (Destination.recordForms: its transform, then the conversion its writer uses), so only real
 * differences show — not a DECIMAL's trailing zeros or a timestamp's seventh digit.
 */
import type { RecordForms, ResourceModel } from '../../activities/destinations';
import type { Runtime } from '../../activities/runtime';
import { mlsRecord } from './mls';

export interface FieldDifference {
  field: string;
  column: string;
  /** The MLS value in the column's stored form; `{ rejected }` when the column cannot hold it. */
  mls: unknown;
  destination: unknown;
}

export interface DestinationComparison {
  name: string;
  table: string | null;
  /**
   * `missing`: no row with this key; `stale`: a row, but the MLS no longer has the record (purge
   * removes it); `skipped`: the destination's transform drops this record.
   */
  state: 'identical' | 'different' | 'missing' | 'stale' | 'skipped' | 'error';
  differences: FieldDifference[];
  equal: number;
  error?: string;
}

export interface RecordReport {
  source: string;
  resource: string;
  key: string;
  inMls: boolean;
  destinations: DestinationComparison[];
}

export async function compareRecord(runtime: Runtime, source: string, resource: string, key: string): Promise<RecordReport> {
  const model = await runtime.resourceModel(source, resource);
  const record = await mlsRecord(runtime, model, key);
  const destinations: DestinationComparison[] = [];
  for (const dest of runtime.destinationsFor(source)) {
    try {
      destinations.push(await compareOne(dest, model, key, record));
    } catch (err) {
      destinations.push({ name: dest.name, table: null, state: 'error', differences: [], equal: 0, error: (err as Error).message });
    }
  }
  return { source, resource, key, inMls: record !== null, destinations };
}

async function compareOne(
  dest: ReturnType<Runtime['destinationsFor']>[number],
  model: ResourceModel,
  key: string,
  record: Record<string, unknown> | null,
): Promise<DestinationComparison> {
  if (!dest.recordForms) throw new Error('this destination cannot compare records');
  return compareForms(dest.name, await dest.recordForms(model, key, record));
}

/** Field by field over both forms, as each destination put them; instants compared as instants. */
function compareForms(name: string, forms: RecordForms): DestinationComparison {
  const base = { name, table: forms.store };
  if (forms.wanted === null && !forms.skipped) return { ...base, state: forms.stored ? 'stale' : 'missing', differences: [], equal: 0 };
  if (forms.skipped) return { ...base, state: 'skipped', differences: [], equal: 0 };
  if (!forms.stored) return { ...base, state: 'missing', differences: [], equal: 0 };
  const wanted = forms.wanted!;
  const differences: FieldDifference[] = [];
  let equal = 0;
  for (const field of new Set([...Object.keys(wanted), ...Object.keys(forms.stored)])) {
    const expected = wanted[field] ?? null;
    const actual = forms.stored[field] ?? null;
    if (sameValue(expected, actual)) equal++;
    else differences.push({ field, column: forms.columns?.[field] ?? field, mls: expected, destination: actual });
  }
  return { ...base, state: differences.length ? 'different' : 'identical', differences, equal };
}

const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string' && ISO_INSTANT.test(a) && ISO_INSTANT.test(b)) return Date.parse(a) === Date.parse(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON with object keys sorted: MySQL's JSON and PostgreSQL's jsonb may reorder keys. */
function canonicalJson(value: unknown): string | undefined {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y))) : v,
  );
}

export function formatRecordReport(report: RecordReport): string {
  const lines = [`${report.source}/${report.resource} ${JSON.stringify(report.key)}${report.inMls ? '' : ': not in the MLS'}`];
  for (const d of report.destinations) {
    const where = `  ${d.name}${d.table ? ` (table ${d.table})` : ''}`;
    switch (d.state) {
      case 'error':
        lines.push(`${where}: cannot compare: ${d.error}`);
        break;
      case 'missing':
        lines.push(`${where}: no row with this key`);
        break;
      case 'stale':
        lines.push(`${where}: has a row, but the MLS no longer has this record (a purge removes it)`);
        break;
      case 'skipped':
        lines.push(`${where}: not stored (the destination's transform skips this record)`);
        break;
      case 'identical':
        lines.push(`${where}: identical (${d.equal} fields)`);
        break;
      case 'different': {
        const n = d.differences.length;
        lines.push(`${where}: ${n} field${n === 1 ? '' : 's'} differ${n === 1 ? 's' : ''}, ${d.equal} equal`);
        const width = Math.max(...d.differences.map((f) => f.field.length));
        for (const f of d.differences) lines.push(`    ${f.field.padEnd(width)}  MLS ${show(f.mls)}  ${d.name} ${show(f.destination)}`);
      }
    }
  }
  return lines.join('\n');
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * 0: the MLS has the record and every destination holds exactly it; 1: a difference, a missing or
 * stale row, or a key the MLS does not know; 2: a destination could not be compared.
 */
export function recordExitCode(report: RecordReport): number {
  if (report.destinations.some((d) => d.state === 'error')) return 2;
  return report.inMls && report.destinations.every((d) => d.state === 'identical') ? 0 : 1;
}
