/** Progress of a running resource workflow as numbers and as one line of text (CLI and status). */
import type { LiveProgress } from './progress';

/**
 * The numbers a progress line needs, whichever workflow answered the `progress` query: a sync
 * counts records and pages, purge and reconcile count keys (their query has no pages).
 */
export interface ProgressNumbers {
  phase: string;
  done: number;
  total: number | undefined;
  unit: 'records' | 'keys';
  pages: number | undefined;
}

export function progressNumbers(p: LiveProgress): ProgressNumbers {
  const raw = p as unknown as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const records = num(raw.records);
  if (records !== undefined)
    return { phase: String(p.phase), done: records, total: num(raw.expectedTotal), unit: 'records', pages: num(raw.pages) };
  return { phase: String(p.phase), done: num(raw.keysStaged) ?? 0, total: num(raw.expected), unit: 'keys', pages: undefined };
}

export function formatProgress(resource: string, p: LiveProgress, elapsedMs: number): string {
  const n = progressNumbers(p);
  const rate = elapsedMs > 0 ? (n.done / elapsedMs) * 1000 : 0;
  const total = n.total;
  const pct = total ? Math.min(100, Math.floor((n.done / Math.max(total, 1)) * 100)) : undefined;
  const eta = total && rate > 0 && n.done < total ? `, ETA ${Math.ceil((total - n.done) / rate)}s` : '';
  const bar = pct !== undefined ? `[${'#'.repeat(Math.floor(pct / 5)).padEnd(20, '.')}] ${pct}% ` : '';
  const retry =
    p.attempt > 1 ? ` (retry ${p.attempt - 1}${p.activity ? ` of ${p.activity}` : ''}: ${p.lastFailure ?? 'unknown error'})` : '';
  // Chunks that failed after committing pages and went on afresh (sync only).
  const last = p.lastInterruption ?? 'unknown';
  const resumed = p.interruptions
    ? `, resumed ${p.interruptions}× after failures (last: ${last.length > 200 ? `${last.slice(0, 200)}…` : last})`
    : '';
  const pages = n.pages !== undefined ? `, ${n.pages} pages` : '';
  return `${resource}: ${n.phase} ${bar}${n.done}${total !== undefined ? `/${total}` : ''} ${n.unit}${pages}, ${Math.round(rate)}/s${eta}${resumed}${retry}`;
}
