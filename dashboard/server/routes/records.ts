import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { UnknownConfigEntry } from '../../../activities/runtime';
import { compareRecord, type RecordReport } from '../../../worker/inspect/record';
import type { FieldDiff, RecordLookupResponse } from '../api-types';
import type { DashboardContext } from '../context';
import { badRequest, HttpError, name, parse } from '../http';
import { scrub } from '../scrub';
import { sourceOf } from './common';

const lookupQuery = z.strictObject({
  source: name,
  resource: name,
  key: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
});

export function registerRecords(app: FastifyInstance, ctx: DashboardContext): void {
  // The comparison is `resync record`'s own (worker/inspect/record.ts), so the page and the CLI
  // can never disagree about whether a record differs.
  app.get('/api/record', async (request): Promise<RecordLookupResponse> => {
    const q = parse(lookupQuery, request.query, 'query');
    const src = sourceOf(ctx.config, q.source);
    if (!src.resources.some((r) => r.name === q.resource)) {
      throw badRequest(`source "${q.source}" has no resource "${q.resource}" (configured: ${src.resources.map((r) => r.name).join(', ')})`);
    }
    let report: RecordReport;
    try {
      report = await compareRecord(ctx.runtime, q.source, q.resource, q.key);
    } catch (err) {
      if (err instanceof UnknownConfigEntry) throw badRequest(err.message);
      // Mostly the MLS or its $metadata out of reach: nothing to compare against.
      throw new HttpError(502, `record lookup failed: ${scrub((err as Error).message)}`);
    }
    return toResponse(report);
  });
}

export function toResponse(report: RecordReport): RecordLookupResponse {
  const fields = new Map<string, FieldDiff>();
  for (const d of report.destinations) {
    for (const f of d.differences) {
      let entry = fields.get(f.field);
      if (!entry) {
        entry = { field: f.field, mls: text(f.mls), destinations: {}, differs: [] };
        fields.set(f.field, entry);
      }
      entry.destinations[d.name] = text(f.destination);
      entry.differs.push(d.name);
    }
  }
  // A destination that holds the row and does not list a field holds the MLS value there.
  for (const entry of fields.values()) {
    for (const d of report.destinations) {
      if ((d.state === 'different' || d.state === 'identical') && !(d.name in entry.destinations)) entry.destinations[d.name] = entry.mls;
    }
  }
  return {
    source: report.source,
    resource: report.resource,
    key: report.key,
    inMls: report.inMls,
    destinations: report.destinations.map((d) => ({
      name: d.name,
      table: d.table,
      state: d.state,
      equal: d.equal,
      differences: d.differences.length,
      ...(d.error ? { error: scrub(d.error) } : {}),
    })),
    fields: [...fields.values()],
  };
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && 'rejected' in value) return `rejected: ${String((value as { rejected: unknown }).rejected)}`;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
