/**
 * A streaming merge of two key-sorted sources, read a page at a time (the next page is fetched
 * while the current one is merged). Memory holds two pages whatever the table size. Each source
 * is checked to really arrive in byte order: a merge of unsorted input would report keys as
 * missing that are not, and purge acts on that.
 */
import { compareKeys, KeyOrderError } from './order';

export interface KeyRow {
  /** The key in its staged (sortable) form. */
  key: string;
  /** Cursor timestamp as the side knows it, or null. */
  ts: string | null;
}

/** One page of rows with keys strictly after `after` (null: from the start), in byte order. */
export type PageReader = (after: string | null) => Promise<KeyRow[]>;

export class KeyStream {
  private page: KeyRow[] = [];
  private index = 0;
  private pending: Promise<KeyRow[]> | undefined;
  private last: string | null;
  private exhausted = false;

  constructor(
    private readonly name: string,
    private readonly read: PageReader,
    private readonly pageSize: number,
    after: string | null,
  ) {
    this.last = after;
  }

  /** The next row without consuming it; undefined at the end. */
  async peek(): Promise<KeyRow | undefined> {
    if (this.index < this.page.length) return this.page[this.index];
    if (this.exhausted) return undefined;
    const page = await (this.pending ?? this.read(this.last));
    this.pending = undefined;
    for (const row of page) {
      if (this.last !== null && compareKeys(row.key, this.last) <= 0) {
        throw new KeyOrderError(
          `${this.name} returned key ${JSON.stringify(row.key)} after ${JSON.stringify(this.last)}: keys must come in byte order (a utf8mb4_bin key column)`,
        );
      }
      this.last = row.key;
    }
    this.page = page;
    this.index = 0;
    if (page.length < this.pageSize) this.exhausted = true;
    else {
      // Read ahead while this page is merged.
      this.pending = this.read(this.last);
      this.pending.catch(() => undefined);
    }
    return page[0];
  }

  next(): void {
    this.index++;
  }
}

export type MergeStep =
  | { side: 'both'; key: string; mls: string | null; dest: string | null }
  | { side: 'mls'; key: string; mls: string | null }
  | { side: 'dest'; key: string; dest: string | null };

/** Yields every key of either stream once, in byte order, saying which sides have it. */
export async function* mergeKeys(mls: KeyStream, dest: KeyStream): AsyncGenerator<MergeStep> {
  for (;;) {
    const [a, b] = await Promise.all([mls.peek(), dest.peek()]);
    if (!a && !b) return;
    const order = !a ? 1 : !b ? -1 : compareKeys(a.key, b.key);
    if (order === 0) {
      mls.next();
      dest.next();
      yield { side: 'both', key: a!.key, mls: a!.ts, dest: b!.ts };
    } else if (order < 0) {
      mls.next();
      yield { side: 'mls', key: a!.key, mls: a!.ts };
    } else {
      dest.next();
      yield { side: 'dest', key: b!.key, dest: b!.ts };
    }
  }
}
