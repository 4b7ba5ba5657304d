/**
 * The admin API: how tests, demos and benchmarks change the simulated MLS while a client runs
 * against it (`/admin/touch`, `/admin/delete`, `/admin/add`, `/admin/set-timestamp`) and read or
 * reset what the client did (`/admin/stats`, `/admin/reset-stats`, `/admin/keys`), and switch
 * faults on and off (`/admin/faults`, `/admin/faults/clear`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Dataset } from './dataset';
import { faultRuleSchema } from './fault-injection';
import type { FaultInjector } from './fault-injection';
import { BodyError, readJsonBody, sendJson } from './http';
import { parseDateTimeOffset } from './odata/instant';
import type { StatsRecorder } from './stats';

const keyList = z.array(z.string().min(1)).min(1, 'give at least one key');

export const touchBody = z
  .object({
    keys: keyList.optional(),
    count: z.number().int().min(1).max(10_000_000).optional(),
    photos: z.boolean().optional(),
    distinct: z.boolean().optional(),
  })
  .strict()
  .refine((b) => (b.keys === undefined) !== (b.count === undefined), { message: 'give either keys or count, not both' });

export const deleteBody = z.object({ keys: keyList }).strict();

export const addBody = z.object({ count: z.number().int().min(1).max(1_000_000) }).strict();

export const setTimestampBody = z
  .object({
    keys: keyList,
    timestamp: z.string().refine((s) => parseDateTimeOffset(s) !== undefined, {
      message: 'must be an ISO 8601 timestamp with a time zone, e.g. 2024-01-02T03:04:05.123Z',
    }),
  })
  .strict();

export const faultsBody = z.union([faultRuleSchema, z.object({ faults: z.array(faultRuleSchema).min(1) }).strict()]);

export interface AdminDeps {
  dataset: Dataset;
  stats: StatsRecorder;
  /** Absent for callers that predate fault injection; the fault routes then answer 404. */
  faults?: Pick<FaultInjector, 'add' | 'clear' | 'list'>;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'body'}: ${i.message}`).join('; ');
}

async function parseBody<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<{ ok: true; value: T } | { ok: false; message: string }> {
  let raw: unknown;
  try {
    raw = await readJsonBody(req);
  } catch (err) {
    if (err instanceof BodyError) return { ok: false, message: err.message };
    throw err;
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, message: describeIssues(parsed.error) };
}

type Handler = (req: IncomingMessage, deps: AdminDeps) => Promise<{ status: number; body: unknown }>;

function withBody<T>(schema: z.ZodType<T>, run: (value: T, deps: AdminDeps) => unknown): Handler {
  return async (req, deps) => {
    const parsed = await parseBody(req, schema);
    if (!parsed.ok) return { status: 400, body: { error: { code: 'invalid-body', message: parsed.message } } };
    return { status: 200, body: { ...(run(parsed.value, deps) as object), liveCount: deps.dataset.liveCount } };
  };
}

const ROUTES: Record<string, { method: 'GET' | 'POST'; handler: Handler }> = {
  '/admin/touch': {
    method: 'POST',
    handler: withBody(touchBody, (b, { dataset }) =>
      dataset.touch(b.keys ?? (b.count as number), { photos: b.photos ?? false, distinct: b.distinct ?? false }),
    ),
  },
  '/admin/delete': { method: 'POST', handler: withBody(deleteBody, (b, { dataset }) => dataset.remove(b.keys)) },
  '/admin/add': { method: 'POST', handler: withBody(addBody, (b, { dataset }) => dataset.add(b.count)) },
  '/admin/set-timestamp': {
    method: 'POST',
    handler: withBody(setTimestampBody, (b, { dataset }) => dataset.setTimestamp(b.keys, b.timestamp)),
  },
  '/admin/stats': { method: 'GET', handler: async (_req, { stats }) => ({ status: 200, body: stats.snapshot() }) },
  '/admin/reset-stats': {
    method: 'POST',
    handler: async (_req, { stats }) => {
      stats.reset();
      return { status: 200, body: { reset: true } };
    },
  },
  '/admin/faults': {
    method: 'POST',
    handler: async (req, deps) => {
      const parsed = await parseBody(req, faultsBody);
      if (!parsed.ok) return { status: 400, body: { error: { code: 'invalid-body', message: parsed.message } } };
      if (!deps.faults) return { status: 404, body: { error: { code: 'not-found', message: 'fault injection is not enabled' } } };
      const rules = 'faults' in parsed.value ? parsed.value.faults : [parsed.value];
      const added = rules.map((rule) => deps.faults!.add(rule));
      return { status: 200, body: { added, active: deps.faults.list() } };
    },
  },
  '/admin/faults/list': {
    method: 'GET',
    handler: async (_req, deps) => ({ status: 200, body: { active: deps.faults?.list() ?? [] } }),
  },
  '/admin/faults/clear': {
    method: 'POST',
    handler: async (_req, deps) => {
      deps.faults?.clear();
      return { status: 200, body: { cleared: true } };
    },
  },
  '/admin/keys': {
    method: 'GET',
    handler: async (_req, { dataset }) => ({ status: 200, body: { count: dataset.liveCount, keys: dataset.liveKeys() } }),
  },
};

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, deps: AdminDeps): Promise<void> {
  const route = ROUTES[path];
  if (!route) {
    await sendJson(req, res, 404, {
      error: { code: 'not-found', message: `no admin route ${path}; try ${Object.keys(ROUTES).join(', ')}` },
    });
    return;
  }
  if (req.method !== route.method) {
    await sendJson(
      req,
      res,
      405,
      { error: { code: 'method-not-allowed', message: `${path} takes ${route.method}` } },
      { Allow: route.method },
    );
    return;
  }
  const { status, body } = await route.handler(req, deps);
  await sendJson(req, res, status, body);
}
