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

  /**
   * Replaces the content with `indices` (any order). Timestamps are spread fairly evenly, so a
   * bucket pass by timestamp followed by small per-bucket sorts beats one big comparator sort
   * (about 5x at a million records).
   */
  rebuild(indices: Uint32Array): void {
    const n = indices.length;
    if (n < 4096) {
      this.order = Uint32Array.from(indices).sort(this.compare);
      this.count = n;
      return;
    }
    let min = Infinity;
    let max = -Infinity;
    for (let k = 0; k < n; k++) {
      const t = this.timestampOf(indices[k] as number);
      if (t < min) min = t;
      if (t > max) max = t;
    }
    const buckets = n >>> 2;
    const scale = buckets / (max - min + 1);
    const bucketOf = new Uint32Array(n);
    const starts = new Uint32Array(buckets + 1);
    for (let k = 0; k < n; k++) {
      const b = Math.min(buckets - 1, Math.floor((this.timestampOf(indices[k] as number) - min) * scale));
      bucketOf[k] = b;
      starts[b + 1] = (starts[b + 1] as number) + 1;
    }
    for (let b = 0; b < buckets; b++) starts[b + 1] = (starts[b + 1] as number) + (starts[b] as number);
    const fill = starts.slice(0, buckets);
    const order = new Uint32Array(n);
    for (let k = 0; k < n; k++) {
      const b = bucketOf[k] as number;
      const at = fill[b] as number;
      order[at] = indices[k] as number;
      fill[b] = at + 1;
    }
    for (let b = 0; b < buckets; b++) {
      const lo = starts[b] as number;
      const hi = starts[b + 1] as number;
      if (hi - lo > 32) order.subarray(lo, hi).sort(this.compare);
      else this.insertionSort(order, lo, hi);
    }
    this.order = order;
    this.count = n;
  }

  private insertionSort(a: Uint32Array, lo: number, hi: number): void {
    for (let i = lo + 1; i < hi; i++) {
      const v = a[i] as number;
      let j = i - 1;
      while (j >= lo && this.compare(a[j] as number, v) > 0) {
        a[j + 1] = a[j] as number;
        j--;
      }
      a[j + 1] = v;
    }
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
   * tells which of them belong in the index now. The unchanged entries are compacted in one pass
   * (a byte mask, no comparisons), each changed entry finds its place by binary search, and the
   * result is assembled with block copies: O(n) cheap work plus O(k log n) comparisons.
   */
  update(changed: readonly number[], isLive: (index: number) => boolean): void {
    if (changed.length === 0) return;
    let maxIndex = 0;
    for (const index of changed) if (index > maxIndex) maxIndex = index;
    const mask = new Uint8Array(maxIndex + 1);
    for (const index of changed) mask[index] = 1;

    const kept = new Uint32Array(this.count);
    let keptCount = 0;
    for (let pos = 0; pos < this.count; pos++) {
      const index = this.order[pos] as number;
      if (index > maxIndex || mask[index] === 0) kept[keptCount++] = index;
    }
    const incoming = Uint32Array.from(new Set(changed.filter(isLive))).sort(this.compare);

    const merged = new Uint32Array(keptCount + incoming.length);
    let from = 0;
    let out = 0;
    for (const index of incoming) {
      // First kept entry that sorts after `index`.
      let lo = from;
      let hi = keptCount;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.compare(kept[mid] as number, index) < 0) lo = mid + 1;
        else hi = mid;
      }
      merged.set(kept.subarray(from, lo), out);
      out += lo - from;
      merged[out++] = index;
      from = lo;
    }
    merged.set(kept.subarray(from, keptCount), out);
    this.order = merged;
    this.count = merged.length;
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
