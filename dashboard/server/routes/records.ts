import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RecordLookupResponse } from '../api-types';
import type { DashboardContext } from '../context';
import { badRequest, HttpError, name, parse } from '../http';
import { lookupRecord, RecordLookupError } from '../record-lookup';
import { scrub } from '../scrub';
import { sourceOf } from './common';

const lookupQuery = z.strictObject({
  source: name,
  resource: name,
  key: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
  /** 1: every field, not only those that differ. */
  all: z.enum(['0', '1'], { error: 'must be 0 or 1' }).optional(),
});

export function registerRecords(app: FastifyInstance, ctx: DashboardContext): void {
  app.get('/api/record', async (request): Promise<RecordLookupResponse> => {
    const q = parse(lookupQuery, request.query, 'query');
    sourceOf(ctx.config, q.source);
    let result;
    try {
      result = await lookupRecord({ runtime: ctx.runtime, pool: (url) => ctx.pools.get(url) }, q.source, q.resource, q.key);
    } catch (err) {
      if (err instanceof RecordLookupError) throw badRequest(err.message);
      // Mostly the MLS's $metadata being out of reach: the lookup cannot even name the key field.
      throw new HttpError(502, `record lookup failed: ${scrub((err as Error).message)}`);
    }
    const fields = q.all === '1' ? result.fields : result.fields.filter((f) => f.differs.length > 0);
    return {
      source: result.source,
      resource: result.resource,
      key: result.key,
      keyField: result.keyField,
      mls: { ...result.mls, ...(result.mls.error ? { error: scrub(result.mls.error) } : {}) },
      destinations: result.destinations.map(({ transforms: _t, ...d }) => ({ ...d, ...(d.error ? { error: scrub(d.error) } : {}) })),
      fields,
      compared: result.fields.length,
    };
  });
}
