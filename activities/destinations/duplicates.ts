/**
 * A page can carry one key twice (a record modified while the server paged, or a server that
 * repeats a record across an internal boundary). Written as is, both copies would be upserted and
 * counted; the page is reduced to one copy per key first — the copy the upsert itself would keep:
 * the newest timestamp, and among equal timestamps the one sent last. Every destination applies
 * it through shapePage (./shape.ts).
 */
import { compareInstants, parseInstant, type Instant } from '../common/timestamps';

export interface UniquePage {
  /** One record per key, in the order of the copies kept. */
  records: Record<string, unknown>[];
  /** Copies left out. */
  dropped: number;
}

export function latestPerKey(records: Record<string, unknown>[], keyField: string, cursorField: string): UniquePage {
  const kept = new Map<string, { at: number; ts: Instant | undefined }>();
  const keep = new Set<number>();
  for (const [at, record] of records.entries()) {
    const raw = record[keyField];
    // A record without a usable key is the stage's to reject; it never collides.
    if (typeof raw !== 'string' && typeof raw !== 'number') {
      keep.add(at);
      continue;
    }
    const key = String(raw);
    const value = record[cursorField];
    const ts = typeof value === 'string' ? parseInstant(value) : undefined;
    const before = kept.get(key);
    // A copy without a readable timestamp loses to one with; otherwise the later copy wins ties.
    const wins = !before || !before.ts || (ts !== undefined && compareInstants(ts, before.ts) >= 0);
    if (!wins) continue;
    if (before) keep.delete(before.at);
    kept.set(key, { at, ts });
    keep.add(at);
  }
  if (keep.size === records.length) return { records, dropped: 0 };
  return { records: records.filter((_, at) => keep.has(at)), dropped: records.length - keep.size };
}
