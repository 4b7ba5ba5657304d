/**
 * Records → Solr documents for one core: `id` is the key as stored (after key mapping), every
 * planned field converted by its rule, derived locations filled, undeclared properties kept as
 * JSON text in `resync_extra`. A record with a value that cannot be stored is rejected whole,
 * naming the field, before anything is sent.
 */
import type { ConversionNotice, WriteReject } from '../destination';
import { EXTRA_FIELD, ID_FIELD, latLon, PARENT_KEY_FIELD, SolrValueRejected, toSolrValue, type SolrValue } from './fields';
import type { CorePlan } from './schema';

export type SolrDocument = Record<string, SolrValue>;

export interface PreparedDocuments {
  docs: SolrDocument[];
  /** Per document: the key as the MLS knows it (rejects name it), the record as received. */
  keys: string[];
  records: Record<string, unknown>[];
  /** Per document: its position in the input. */
  indices: number[];
  rejects: WriteReject[];
  /** Per reject: its position in the input. */
  rejectIndices: number[];
  decisions: ConversionNotice[];
}

export interface PrepareOptions {
  /** keyMapping.toDestination for this resource. */
  mapKey?: (key: string) => string;
  /** Properties that are neither fields nor extras (navigation properties and their annotations). */
  ignore?: (name: string) => boolean;
  /** The record a reject should carry (the MLS's, not the transformed copy). */
  original?: (index: number) => Record<string, unknown>;
}

export function prepareDocuments(plan: CorePlan, records: Record<string, unknown>[], opts: PrepareOptions = {}): PreparedDocuments {
  const out: PreparedDocuments = { docs: [], keys: [], records: [], indices: [], rejects: [], rejectIndices: [], decisions: [] };
  const decided = new Map<string, ConversionNotice>();
  for (const [index, record] of records.entries()) {
    const original = opts.original?.(index) ?? record;
    const key = String(record[plan.keyField]);
    const stored = opts.mapKey ? opts.mapKey(key) : key;
    const doc: SolrDocument = { [ID_FIELD]: stored };
    const rowDecisions: string[] = [];
    let rejected: WriteReject | undefined;
    for (const field of plan.fields) {
      const raw = field.field === plan.keyField ? stored : record[field.field];
      try {
        const value = toSolrValue(field, raw, (d) => rowDecisions.push(`${d}\u0000${field.field}`));
        if (value !== undefined) doc[field.name] = value;
      } catch (err) {
        if (!(err instanceof SolrValueRejected)) throw err;
        rejected = { key, field: field.field, reason: err.message, record: original };
        break;
      }
    }
    if (rejected) {
      out.rejects.push(rejected);
      out.rejectIndices.push(index);
      continue;
    }
    for (const location of plan.locations) {
      const value = latLon(record[location.latitude], record[location.longitude]);
      if (value !== undefined) doc[location.name] = value;
    }
    if (plan.parentKeyField) doc[plan.parentKeyField] = String(record[PARENT_KEY_FIELD]);
    const extra: Record<string, unknown> = {};
    let hasExtra = false;
    for (const name of Object.keys(record)) {
      if (plan.byField.has(name) || name === PARENT_KEY_FIELD || name.startsWith('@odata.') || opts.ignore?.(name)) continue;
      if (record[name] === undefined) continue;
      extra[name] = record[name];
      hasExtra = true;
    }
    if (hasExtra) doc[EXTRA_FIELD] = JSON.stringify(extra);
    for (const id of rowDecisions) {
      const seen = decided.get(id);
      if (seen) seen.records++;
      else {
        const [decision, field] = id.split('\u0000') as [string, string];
        decided.set(id, { decision, field, records: 1, example: key });
      }
    }
    out.docs.push(doc);
    out.keys.push(key);
    out.records.push(original);
    out.indices.push(index);
  }
  out.decisions = [...decided.values()];
  return out;
}
