/**
 * The simulated MLS: up to a million listings held as compact per-record state (timestamps,
 * version, deleted flag in typed arrays, ~30 bytes a record) and generated in full only when asked
 * for. Two sorted indices serve replication order: Property by (ModificationTimestamp, key) and
 * Media by (PhotosChangeTimestamp, key) — every Media row of a listing carries the listing's photo
 * timestamp as its ModificationTimestamp.
 */
import { entityType, simSchema } from './fields';
import type { SimSchema } from './fields';
import { createMediaGenerator, createPropertyGenerator } from './generate';
import type { EntityGenerator, GenContext, RecordState } from './generate';
import { Stream } from './hash';
import { MAX_RECORDS, initialModifiedMs, initialPhotosMs, keyCodec } from './identity';
import type { KeyCodec } from './identity';
import { parseDateTimeOffset } from './odata/instant';
import { SortedIndex } from './sorted-index';

export interface DatasetOptions {
  records: number;
  seed: number;
  /** Media rows per listing (default 5). */
  mediaPerRecord?: number;
  /**
   * Initial timestamps lie within the year before this instant (default: the current UTC day's
   * midnight). Pass a fixed value when two datasets must be identical.
   */
  anchor?: number | string | Date;
  /** Clock for mutations (tests may freeze it). */
  now?: () => number;
  schema?: SimSchema;
  /** ListingKey prefix (default `L`; MLS Grid keys carry the MLS's code, e.g. `ACT`). */
  keyPrefix?: string;
  /** Every record's OriginatingSystemName (default `SIM`). */
  originatingSystemName?: string;
  /**
   * When set, deleted records stay in the (timestamp, key) feed as tombstones for this long, with
   * a new ModificationTimestamp (the deletion time), the way MLS Grid announces deletions.
   */
  tombstoneRetentionMs?: number;
  /** Builds each photo's MediaURL (the simulator's image host); see GeneratorOptions.mediaUrl. */
  mediaUrl?: (mediaKey: string, photosMs: number) => string;
}

export interface TouchOptions {
  /** Also change PhotosChangeTimestamp (and so the listing's Media rows). */
  photos?: boolean;
  /** Give each record its own millisecond (consecutive) instead of one timestamp for the call. */
  distinct?: boolean;
}

export interface MutationResult {
  /** Keys affected, in the order they were given or chosen. */
  keys: string[];
  /** Keys given that are not live records (ignored). */
  missing: string[];
  /** The ModificationTimestamp set, or the first one when `distinct`. */
  timestamp?: string;
}

const DAY_MS = 86_400_000;

/** Values of the per-record deletion state. */
const LIVE = 0;
const GONE = 1;
const TOMBSTONE = 2;

function anchorMs(anchor: DatasetOptions['anchor']): number {
  if (anchor === undefined) return Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const ms = anchor instanceof Date ? anchor.getTime() : typeof anchor === 'number' ? anchor : Date.parse(anchor);
  if (!Number.isFinite(ms)) throw new Error(`invalid dataset anchor: ${String(anchor)}`);
  return ms;
}

export class Dataset {
  readonly seed: number;
  readonly mediaPerRecord: number;
  readonly anchorMs: number;
  readonly schema: SimSchema;
  readonly keys: KeyCodec;
  /** How long tombstones are served; undefined: deleted records vanish at once. */
  readonly tombstoneRetentionMs: number | undefined;
  readonly property: EntityGenerator;
  readonly media: EntityGenerator;
  /** Live listings by (ModificationTimestamp, ListingKey). */
  readonly byModification: SortedIndex;
  /** Live listings by (PhotosChangeTimestamp, ListingKey): the order of their Media rows. */
  readonly byPhotos: SortedIndex;
  /** Tombstones by (deletion time, ListingKey); empty unless tombstoneRetentionMs is set. */
  readonly byTombstone: SortedIndex;

  private capacity: number;
  /** Indices handed out so far (live or deleted); the next added record gets this index. */
  private allocated: number;
  private live: number;
  private modified: Float64Array;
  private photos: Float64Array;
  private versions: Uint32Array;
  private deleted: Uint8Array;
  /** Newest timestamp given out or present, so that each mutation lands strictly after it. */
  private lastIssuedMs: number;
  private readonly clock: () => number;
  private readonly picker: Stream;
  private liveAscending: Uint32Array | undefined;
  private feedCache: { generation: number; byTime: Uint32Array; byKey: Uint32Array } | undefined;
  private generationCounter = 0;

  constructor(options: DatasetOptions) {
    const { records, seed } = options;
    if (!Number.isInteger(records) || records < 0 || records > MAX_RECORDS)
      throw new Error(`records must be an integer in 0..${MAX_RECORDS}`);
    if (!Number.isInteger(seed)) throw new Error('seed must be an integer');
    this.seed = seed >>> 0;
    this.mediaPerRecord = options.mediaPerRecord ?? 5;
    if (!Number.isInteger(this.mediaPerRecord) || this.mediaPerRecord < 0 || this.mediaPerRecord > 1000) {
      throw new Error('mediaPerRecord must be an integer in 0..1000');
    }
    this.anchorMs = anchorMs(options.anchor);
    this.clock = options.now ?? Date.now;
    this.picker = new Stream(this.seed ^ 0x70c4);
    this.schema = options.schema ?? simSchema();
    this.keys = keyCodec(options.keyPrefix);
    this.tombstoneRetentionMs = options.tombstoneRetentionMs;
    const genOptions = {
      seed: this.seed,
      anchorMs: this.anchorMs,
      mediaPerRecord: this.mediaPerRecord,
      keys: this.keys,
      ...(options.originatingSystemName !== undefined ? { originatingSystemName: options.originatingSystemName } : {}),
      ...(options.mediaUrl !== undefined ? { mediaUrl: options.mediaUrl } : {}),
    };
    this.property = createPropertyGenerator(entityType(this.schema, 'Property'), genOptions);
    this.media = createMediaGenerator(entityType(this.schema, 'Media'), genOptions);

    this.capacity = Math.max(16, records);
    this.modified = new Float64Array(this.capacity);
    this.photos = new Float64Array(this.capacity);
    this.versions = new Uint32Array(this.capacity);
    this.deleted = new Uint8Array(this.capacity);
    this.allocated = records;
    this.live = records;
    let newest = -Infinity;
    for (let i = 0; i < records; i++) {
      const m = initialModifiedMs(this.seed, this.anchorMs, i);
      this.modified[i] = m;
      this.photos[i] = initialPhotosMs(this.seed, m, i);
      if (m > newest) newest = m;
    }
    this.lastIssuedMs = newest;
    this.byModification = new SortedIndex((i) => this.modified[i] as number);
    this.byPhotos = new SortedIndex((i) => this.photos[i] as number);
    this.byTombstone = new SortedIndex((i) => this.modified[i] as number);
    const all = new Uint32Array(records);
    for (let i = 0; i < records; i++) all[i] = i;
    this.byModification.rebuild(all);
    this.byPhotos.rebuild(all);
  }

  /** Changes whenever a mutation happens; caches of query results key on it. */
  get generation(): number {
    return this.generationCounter;
  }

  get liveCount(): number {
    return this.live;
  }

  /** Indices ever handed out (live and deleted). */
  get allocatedCount(): number {
    return this.allocated;
  }

  isLive(index: number): boolean {
    return index >= 0 && index < this.allocated && this.deleted[index] === LIVE;
  }

  /** Deleted, but still served until its retention ends. */
  isTombstone(index: number): boolean {
    return index >= 0 && index < this.allocated && this.deleted[index] === TOMBSTONE;
  }

  get tombstoneCount(): number {
    return this.byTombstone.size;
  }

  /** Index of a live record's key, else undefined. */
  indexOfKey(key: string): number | undefined {
    const index = this.keys.parseListingKey(key);
    return index !== undefined && this.isLive(index) ? index : undefined;
  }

  /** Index of a live record's or a tombstone's key, else undefined. */
  indexOfServedKey(key: string): number | undefined {
    const index = this.keys.parseListingKey(key);
    return index !== undefined && (this.isLive(index) || this.isTombstone(index)) ? index : undefined;
  }

  keyOf(index: number): string {
    return this.keys.listingKey(index);
  }

  modifiedMs(index: number): number {
    return this.modified[index] as number;
  }

  photosMs(index: number): number {
    return this.photos[index] as number;
  }

  version(index: number): number {
    return this.versions[index] as number;
  }

  state(index: number): RecordState {
    return {
      index,
      version: this.versions[index] as number,
      modifiedMs: this.modified[index] as number,
      photosMs: this.photos[index] as number,
      ...(this.deleted[index] === TOMBSTONE ? { tombstone: true } : {}),
    };
  }

  propertyContext(index: number): GenContext {
    const state = this.state(index);
    return { state, order: 0, version: state.version };
  }

  /** Media content changes when the listing's photos change, so it is versioned by that timestamp. */
  mediaContext(index: number, order: number): GenContext {
    const state = this.state(index);
    return { state, order, version: state.photosMs % 4294967296 };
  }

  /** The full Property record of a live key, or undefined. */
  getRecord(key: string): Record<string, unknown> | undefined {
    const index = this.indexOfKey(key);
    return index === undefined ? undefined : this.property.record(this.propertyContext(index));
  }

  /** The Media records of a live listing (by Order), or undefined. */
  getMedia(key: string): Array<Record<string, unknown>> | undefined {
    const index = this.indexOfKey(key);
    if (index === undefined) return undefined;
    const out: Array<Record<string, unknown>> = [];
    for (let order = 1; order <= this.mediaPerRecord; order++) out.push(this.media.record(this.mediaContext(index, order)));
    return out;
  }

  /** Live indices in ascending order, i.e. key order (cached until the next mutation). */
  liveIndices(): Uint32Array {
    if (!this.liveAscending) {
      const out = new Uint32Array(this.live);
      let n = 0;
      for (let i = 0; i < this.allocated; i++) if (this.deleted[i] === LIVE) out[n++] = i;
      this.liveAscending = out;
    }
    return this.liveAscending;
  }

  /** All live ListingKeys in key (byte) order. */
  liveKeys(): string[] {
    return Array.from(this.liveIndices(), (index) => this.keys.listingKey(index));
  }

  /** Tombstone keys (deleted records still served), in key order. */
  tombstoneKeys(): string[] {
    return Array.from(this.feed().byKey)
      .filter((index) => this.deleted[index] === TOMBSTONE)
      .map((index) => this.keys.listingKey(index));
  }

  /**
   * Live records and tombstones together, in (ModificationTimestamp, key) order and in key order:
   * what a platform that announces deletions in its feed serves. Without tombstones these are the
   * live orders themselves; with some, they are merged once per generation.
   */
  feed(): { byTime: { readonly length: number; at(pos: number): number }; byKey: Uint32Array } {
    if (this.byTombstone.size === 0) {
      const index = this.byModification;
      return { byTime: { length: index.size, at: (pos) => index.at(pos) }, byKey: this.liveIndices() };
    }
    if (this.feedCache?.generation !== this.generationCounter) {
      const live = this.byModification;
      const dead = this.byTombstone;
      const byTime = new Uint32Array(live.size + dead.size);
      let a = 0;
      let b = 0;
      const before = (x: number, y: number): boolean => ((this.modified[x] as number) - (this.modified[y] as number) || x - y) < 0;
      for (let out = 0; out < byTime.length; out++) {
        const takeLive = b >= dead.size || (a < live.size && before(live.at(a), dead.at(b)));
        byTime[out] = takeLive ? live.at(a++) : dead.at(b++);
      }
      const byKey = Uint32Array.from(byTime).sort();
      this.feedCache = { generation: this.generationCounter, byTime, byKey };
    }
    const { byTime, byKey } = this.feedCache;
    return { byTime: { length: byTime.length, at: (pos) => byTime[pos] as number }, byKey };
  }

  /** Tombstones past their retention leave the feed; true when any did. */
  expireTombstones(): boolean {
    const retention = this.tombstoneRetentionMs;
    if (retention === undefined || this.byTombstone.size === 0) return false;
    const cutoff = this.clock() - retention;
    const expired: number[] = [];
    for (let pos = 0; pos < this.byTombstone.size; pos++) {
      const index = this.byTombstone.at(pos);
      if ((this.modified[index] as number) >= cutoff) break;
      expired.push(index);
    }
    if (expired.length === 0) return false;
    for (const index of expired) this.deleted[index] = GONE;
    this.byTombstone.update(expired, () => false);
    this.generationCounter++;
    return true;
  }

  /**
   * Modifies records: version + 1 and ModificationTimestamp = now (ms), strictly after every
   * timestamp handed out before, so touched records move to the end of replication order.
   * `target` is a list of keys or a number of live records chosen deterministically at random.
   */
  touch(target: readonly string[] | number, options: TouchOptions = {}): MutationResult {
    const { indices, missing } = typeof target === 'number' ? { indices: this.choose(target), missing: [] } : this.resolve(target);
    const first = this.issue();
    indices.forEach((index, k) => {
      const ms = options.distinct && k > 0 ? this.issue() : first;
      this.modified[index] = ms;
      this.versions[index] = (this.versions[index] as number) + 1;
      if (options.photos) this.photos[index] = ms;
    });
    this.reindex(indices, options.photos === true);
    return { keys: indices.map((index) => this.keys.listingKey(index)), missing, timestamp: new Date(first).toISOString() };
  }

  /**
   * Deletes records. They disappear from every query, or, with tombstones, stay in the feed with
   * the deletion time as their ModificationTimestamp until the retention ends.
   */
  remove(keys: readonly string[]): MutationResult {
    const { indices, missing } = this.resolve(keys);
    const tombstones = this.tombstoneRetentionMs !== undefined;
    const at = tombstones && indices.length > 0 ? this.issue() : undefined;
    for (const index of indices) {
      this.deleted[index] = tombstones ? TOMBSTONE : GONE;
      if (at !== undefined) {
        this.modified[index] = at;
        this.versions[index] = (this.versions[index] as number) + 1;
      }
    }
    this.live -= indices.length;
    if (tombstones) this.byTombstone.update(indices, (i) => this.deleted[i] === TOMBSTONE);
    this.reindex(indices, true);
    return {
      keys: indices.map((index) => this.keys.listingKey(index)),
      missing,
      ...(at !== undefined ? { timestamp: new Date(at).toISOString() } : {}),
    };
  }

  /** Adds `count` new listings (version 0, modified and photographed now). */
  add(count: number): MutationResult {
    if (!Number.isInteger(count) || count < 0) throw new Error('count must be a non-negative integer');
    if (this.allocated + count > MAX_RECORDS) throw new Error(`the dataset cannot exceed ${MAX_RECORDS} records`);
    this.ensureCapacity(this.allocated + count);
    const ms = this.issue();
    const indices: number[] = [];
    for (let k = 0; k < count; k++) {
      const index = this.allocated++;
      this.modified[index] = ms;
      this.photos[index] = ms;
      this.versions[index] = 0;
      this.deleted[index] = LIVE;
      indices.push(index);
    }
    this.live += count;
    this.reindex(indices, true);
    return { keys: indices.map((index) => this.keys.listingKey(index)), missing: [], timestamp: new Date(ms).toISOString() };
  }

  /**
   * Gives records one chosen ModificationTimestamp (version + 1), e.g. to build ties across a
   * page boundary. Sub-millisecond digits are dropped: the dataset stores milliseconds.
   */
  setTimestamp(keys: readonly string[], timestamp: string): MutationResult {
    const instant = parseDateTimeOffset(timestamp);
    if (!instant) throw new Error(`invalid timestamp: ${timestamp}`);
    const { indices, missing } = this.resolve(keys);
    for (const index of indices) {
      this.modified[index] = instant.ms;
      this.versions[index] = (this.versions[index] as number) + 1;
    }
    this.lastIssuedMs = Math.max(this.lastIssuedMs, instant.ms);
    this.reindex(indices, false);
    return { keys: indices.map((index) => this.keys.listingKey(index)), missing, timestamp: new Date(instant.ms).toISOString() };
  }

  private issue(): number {
    this.lastIssuedMs = Math.max(Math.floor(this.clock()), this.lastIssuedMs + 1);
    return this.lastIssuedMs;
  }

  private resolve(keys: readonly string[]): { indices: number[]; missing: string[] } {
    const seen = new Set<number>();
    const indices: number[] = [];
    const missing: string[] = [];
    for (const key of keys) {
      const index = this.indexOfKey(key);
      if (index === undefined) missing.push(key);
      else if (!seen.has(index)) {
        seen.add(index);
        indices.push(index);
      }
    }
    return { indices, missing };
  }

  /** `count` distinct live records, deterministic for a given seed and mutation history. */
  private choose(count: number): number[] {
    if (!Number.isInteger(count) || count < 0) throw new Error('count must be a non-negative integer');
    const live = this.liveIndices();
    if (count >= live.length) return Array.from(live);
    if (count <= live.length / 2) {
      const picked = new Set<number>();
      while (picked.size < count) picked.add(live[this.picker.below(live.length)] as number);
      return [...picked];
    }
    const pool = Array.from(live);
    for (let k = 0; k < count; k++) {
      const j = k + this.picker.below(pool.length - k);
      [pool[k], pool[j]] = [pool[j] as number, pool[k] as number];
    }
    return pool.slice(0, count);
  }

  private reindex(indices: readonly number[], photosChanged: boolean): void {
    if (indices.length === 0) return;
    const isLive = (i: number): boolean => this.deleted[i] === LIVE;
    this.byModification.update(indices, isLive);
    if (photosChanged) this.byPhotos.update(indices, isLive);
    this.liveAscending = undefined;
    this.generationCounter++;
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.capacity) return;
    const capacity = Math.max(needed, this.capacity * 2);
    const grow = <T extends Float64Array | Uint32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.modified = grow(this.modified, (n) => new Float64Array(n));
    this.photos = grow(this.photos, (n) => new Float64Array(n));
    this.versions = grow(this.versions, (n) => new Uint32Array(n));
    this.deleted = grow(this.deleted, (n) => new Uint8Array(n));
    this.capacity = capacity;
  }
}
