/**
 * Fault injection: what flaky networks and overloaded MLS servers do, on demand. A rule applies
 * to the next `count` matching requests, or to a `ratio` of them (deterministic for a seed, so a
 * failing test can be rerun), or both (a ratio, at most `count` times). Set by the
 * `faults` option or `POST /admin/faults`; see README.md for the kinds. Faults are not violations:
 * they are what the client must survive.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { JSON_TYPE, sendJson } from './http';

export const FAULT_KINDS = [
  '5xx',
  '4xx',
  'reset',
  'hang',
  'truncated',
  'invalid-json',
  'slow',
  'slow-body',
  'expire-token',
  '429',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const faultRuleSchema = z
  .object({
    kind: z.enum(FAULT_KINDS),
    /** Apply to the next N matching requests (default 1 when no ratio is given). */
    count: z.number().int().min(1).optional(),
    /** Apply to this share of matching requests. */
    ratio: z.number().gt(0).max(1).optional(),
    /** Only requests whose path and query contain this text (decoded), e.g. `$metadata` or `Property`. */
    match: z.string().min(1).optional(),
    /** `odata` (default): the OData service; `token`: the OAuth2 token endpoint; `media`: the image host; `any`: all. */
    target: z.enum(['odata', 'token', 'media', 'any']).optional(),
    /** 5xx: the status (default 503); 4xx: the status (default 400). */
    status: z.number().int().min(400).max(599).optional(),
    /** slow: delay before answering; slow-body: pause after half the body (media; default 2000 ms). */
    delayMs: z.number().int().min(0).max(600_000).optional(),
    /** 429: the Retry-After in seconds (default 1). */
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
  })
  .strict()
  .refine((r) => r.status === undefined || (r.kind === '4xx' ? r.status < 500 : r.kind === '5xx' && r.status >= 500), {
    message: 'status must be 4xx for kind "4xx" and 5xx for kind "5xx" (and only those kinds take one)',
    path: ['status'],
  });

export type FaultRule = z.infer<typeof faultRuleSchema>;

export interface ActiveFault extends FaultRule {
  id: number;
  /** How many more times it may fire (undefined: unlimited, ratio only). */
  remaining?: number;
  fired: number;
}

/** mulberry32: tiny, fast and good enough to decide "this request or not". */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private rules: ActiveFault[] = [];
  private nextId = 1;
  private readonly roll: () => number;

  constructor(seed = 1) {
    this.roll = random(seed);
  }

  add(rule: FaultRule): ActiveFault {
    const parsed = faultRuleSchema.parse(rule);
    const remaining = parsed.count ?? (parsed.ratio === undefined ? 1 : undefined);
    const active: ActiveFault = { ...parsed, id: this.nextId++, fired: 0, ...(remaining !== undefined ? { remaining } : {}) };
    this.rules.push(active);
    return active;
  }

  clear(): void {
    this.rules = [];
  }

  list(): ActiveFault[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** The fault for this request, if one fires; consumes one use of it. */
  next(target: 'odata' | 'token' | 'media', url: string): ActiveFault | undefined {
    for (const rule of this.rules) {
      if ((rule.target ?? 'odata') !== target && rule.target !== 'any') continue;
      if (rule.match !== undefined && !url.includes(rule.match)) continue;
      if (rule.ratio !== undefined && this.roll() >= rule.ratio) continue;
      rule.fired++;
      if (rule.remaining !== undefined) {
        rule.remaining--;
        if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      }
      return { ...rule };
    }
    return undefined;
  }
}

/**
 * Answers a request the way the fault says, or returns false when the request should go on
 * normally afterwards (`slow`, `expire-token`: their effect is a delay or a revoked token).
 */
export async function respondWithFault(
  fault: ActiveFault,
  req: IncomingMessage,
  res: ServerResponse,
  extra: { quotaHeaders?: Record<string, string> } = {},
): Promise<boolean> {
  switch (fault.kind) {
    case '5xx':
      await sendJson(req, res, fault.status ?? 503, { error: { code: 'injected', message: 'service unavailable (injected fault)' } });
      return true;
    case '4xx':
      // A request the server refuses for good (a retry gets the same answer).
      await sendJson(req, res, fault.status ?? 400, { error: { code: 'injected', message: 'request refused (injected fault)' } });
      return true;
    case '429':
      await sendJson(
        req,
        res,
        429,
        { error: { code: 'rate-limited', message: 'too many requests (injected fault)' } },
        { 'Retry-After': String(fault.retryAfterSeconds ?? 1), ...extra.quotaHeaders },
      );
      return true;
    case 'reset':
      // No answer at all: the client sees ECONNRESET / "socket hang up".
      req.socket.destroy();
      return true;
    case 'hang':
      // Never answer; the socket stays open until the client gives up or the server closes.
      return true;
    case 'truncated': {
      // A collection cut off mid-record, with a Content-Length that matches what is sent.
      const body = '{"@odata.context":"$metadata#Property","value":[{"ListingKey":"L00000';
      res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return true;
    }
    case 'invalid-json': {
      // What a misconfigured gateway sends with a 200: an HTML page labelled as JSON.
      const body = '<html><body><h1>502 Bad Gateway</h1></body></html>';
      res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return true;
    }
    case 'slow':
    case 'slow-body':
      // slow-body pauses mid-body where the answer is streamed (the image host); elsewhere it is slow.
      await sleep(fault.delayMs ?? 2000);
      return false;
    case 'expire-token':
      return false;
  }
}
