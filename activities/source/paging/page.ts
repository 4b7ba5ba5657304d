/**
 * What every paging style yields: a page of records ready to write, the ones that cannot be
 * placed (no key, no readable timestamp), and where to resume once the page is committed.
 */
import { canonicalTimestamp } from '../../common/timestamps';
import type { SyncCursor } from '../../destinations/destination';

export interface RejectedRecord {
  record: Record<string, unknown>;
  reason: string;
}

export interface ReplicationPage {
  records: Record<string, unknown>[];
  rejects: RejectedRecord[];
  /** Position to resume from after this page is committed. */
  cursor: SyncCursor | null;
  /** nextLink paging: the link to the following page (a retry may reuse it while it is fresh). */
  nextLink: string | null;
  /** Whether another page follows in this window (false: the window is exhausted). */
  more: boolean;
  count: number | null;
  bytes: number;
  /** The URL requested (logs, and the simulator's request counting in tests). */
  url: string;
  /** The following page is already requested (nextLink paging with `prefetch`). */
  nextRequested?: boolean;
}

/** Splits a page into writable records and ones whose key or cursor cannot be read. */
export function splitValid(
  raw: Record<string, unknown>[],
  cursorField: string,
  keyField: string,
): { records: Record<string, unknown>[]; rejects: RejectedRecord[]; last: SyncCursor | undefined; newest: string | undefined } {
  const records: Record<string, unknown>[] = [];
  const rejects: RejectedRecord[] = [];
  let last: SyncCursor | undefined;
  let newest: string | undefined;
  for (const record of raw) {
    const key = record[keyField];
    const ts = record[cursorField];
    if ((typeof key !== 'string' || key === '') && typeof key !== 'number') {
      rejects.push({ record, reason: `${keyField} is missing or not a string/number` });
      continue;
    }
    const canonical = typeof ts === 'string' ? canonicalTimestamp(ts) : undefined;
    if (!canonical) {
      rejects.push({ record, reason: `${cursorField} ${JSON.stringify(ts)} is not a timestamp` });
      continue;
    }
    records.push(record);
    last = { timestamp: canonical, key: String(key) };
    // Canonical timestamps sort as text.
    if (!newest || canonical > newest) newest = canonical;
  }
  return { records, rejects, last, newest };
}
