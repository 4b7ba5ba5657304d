/**
 * Live record indices kept sorted by (timestamp, index). Because keys are fixed-width and follow
 * the index, this is (timestamp, key) order — the order replication pages in — so a keyset window
 * is a binary search plus a slice instead of a scan over generated records.
 *
 * Mutations re-place only the changed indices: the unchanged ones stay in order, the changed ones
 * are sorted among themselves and merged back in, O(n + k log k) (a few ms at 1M records).
 */
export class SortedIndex {
  private order = new Uint32Array(0);
  private count = 0;

  constructor(private readonly timestampOf: (index: number) => number) {}

  private compare = (a: number, b: number): number => this.timestampOf(a) - this.timestampOf(b) || a - b;

  /** Replaces the content with `indices` (any order). */
  rebuild(indices: Uint32Array): void {
    this.order = Uint32Array.from(indices).sort(this.compare);
    this.count = this.order.length;
  }

  get size(): number {
    return this.count;
  }

  /** Index at position `pos` (0 ≤ pos < size). */
  at(pos: number): number {
    return this.order[pos] as number;
  }

  /**
   * Re-places `changed` after their timestamps changed or they were added or removed; `isLive`
   * tells which of them belong in the index now.
   */
  update(changed: ReadonlySet<number>, isLive: (index: number) => boolean): void {
    if (changed.size === 0) return;
    const incoming = Uint32Array.from([...changed].filter(isLive)).sort(this.compare);
    // Sized for the worst case (nothing removed); `count` tracks the used part.
    const merged = new Uint32Array(this.count + incoming.length);
    let out = 0;
    let j = 0;
    for (let pos = 0; pos < this.count; pos++) {
      const index = this.order[pos] as number;
      if (changed.has(index)) continue;
      while (j < incoming.length && this.compare(incoming[j] as number, index) < 0) merged[out++] = incoming[j++] as number;
      merged[out++] = index;
    }
    while (j < incoming.length) merged[out++] = incoming[j++] as number;
    this.order = merged;
    this.count = out;
  }

  /** First position whose index satisfies `isAtOrAfter` (which must be monotone over the order). */
  search(isAtOrAfter: (index: number) => boolean): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (isAtOrAfter(this.order[mid] as number)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
