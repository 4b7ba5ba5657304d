/**
 * The simulator's `$skiptoken`: opaque to clients, base64url JSON inside. When results are in
 * (timestamp, key) order the token names the last row sent (keyset), so records touched or
 * deleted between pages cannot shift the rest of the scan; other orders use an offset.
 */
export interface SkipToken {
  /** Rows already sent for this query (enforces `$top` across pages). */
  sent: number;
  /** Page size chosen on the first page, kept when the client does not repeat its Prefer header. */
  pageSize: number;
  /** Keyset position: after (timestamp ms, key). */
  after?: { ms: number; key: string };
  /** Offset position. */
  offset?: number;
  /** When the link carrying this token was handed out (ms since the epoch), for idle expiry. */
  issuedAt?: number;
}

export function encodeSkipToken(token: SkipToken): string {
  const compact = {
    n: token.sent,
    p: token.pageSize,
    ...(token.after ? { t: token.after.ms, k: token.after.key } : { o: token.offset ?? 0 }),
    ...(token.issuedAt !== undefined ? { i: token.issuedAt } : {}),
  };
  return Buffer.from(JSON.stringify(compact)).toString('base64url');
}

/** Undefined when the token is not one of ours. */
export function decodeSkipToken(text: string): SkipToken | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (!isCount(r.n) || !isCount(r.p) || r.p === 0) return undefined;
  const issued = isCount(r.i) ? { issuedAt: r.i } : {};
  if (typeof r.t === 'number' && typeof r.k === 'string') return { sent: r.n, pageSize: r.p, after: { ms: r.t, key: r.k }, ...issued };
  if (isCount(r.o)) return { sent: r.n, pageSize: r.p, offset: r.o, ...issued };
  return undefined;
}
