/**
 * Entity sets over the dataset, in the shape the query engine needs: rows are numbers (a listing
 * index for Property; `index × mediaPerRecord + order − 1` for Media), views give rows in
 * (timestamp, key) or key order without materialising anything, and values come from the
 * generators field by field.
 */
import type { Dataset } from '../dataset';
import type { SimEntityType } from '../fields';
import { mediaOrdersInKeyOrder } from '../identity';
import type { RowGetter } from '../odata/evaluate';

/** Rows in some order, addressed by position. */
export interface OrderedRows {
  readonly length: number;
  rowAt(pos: number): number;
}

/** Live rows kept in (timestamp, key) order for one timestamp field. */
export interface TimestampIndex {
  rows(): OrderedRows;
  timestampOf(row: number): number;
}

export interface Navigation {
  target: EntityTable;
  /** Child rows of a parent row, in their natural order. */
  children(row: number): number[];
}

export interface EntityTable {
  readonly name: string;
  /** Distinguishes tables that share a name but not their rows (a feed with tombstones), for caches. */
  readonly variant: string;
  readonly type: SimEntityType;
  readonly keyField: string;
  /** The timestamp whose order is the default order (replication order). */
  readonly timestampField: string;
  /** Timestamp fields with an index: windows on them are binary searches. */
  readonly timestampIndexes: ReadonlyMap<string, TimestampIndex>;
  /** Fields whose string values `lookup` resolves without scanning. */
  readonly lookupFields: readonly string[];
  readonly navigation: ReadonlyMap<string, Navigation>;
  generation(): number;
  count(): number;
  /** Live rows in key (byte) order. */
  byKey(): OrderedRows;
  keyOf(row: number): string;
  /** A number that orders rows as their keys do. */
  keyRank(row: number): number;
  /** Live rows whose `field` equals one of `values` (deduplicated). */
  lookup(field: string, values: readonly string[]): number[];
  /** Live row of a key, or undefined. */
  rowOfKey(key: string): number | undefined;
  getter(row: number): RowGetter;
  project(row: number, fields?: readonly string[]): Record<string, unknown>;
}

export interface PropertyTableOptions {
  /**
   * Serve tombstones (deleted records still in the feed, MLS Grid style) besides live records.
   * Their children are not served: a deleted listing has no photos to show.
   */
  withTombstones?: boolean;
}

export function createPropertyTable(dataset: Dataset, media: () => EntityTable, options: PropertyTableOptions = {}): EntityTable {
  const type = dataset.property.type;
  const m = dataset.mediaPerRecord;
  const withTombstones = options.withTombstones === true;
  const served = (index: number): boolean => dataset.isLive(index) || (withTombstones && dataset.isTombstone(index));
  const mediaNav: Navigation = {
    get target() {
      return media();
    },
    children: (row) => (dataset.isLive(row) ? Array.from({ length: m }, (_, k) => row * m + k) : []),
  };
  const rowOfKey = (key: string): number | undefined => (withTombstones ? dataset.indexOfServedKey(key) : dataset.indexOfKey(key));
  const lookupListingId = (value: string): number | undefined => {
    if (!/^\d+$/.test(value)) return undefined;
    const index = Number(value) - 10_000_000;
    return served(index) ? index : undefined;
  };
  const byModification: TimestampIndex = withTombstones
    ? {
        rows: () => {
          const feed = dataset.feed().byTime;
          return { length: feed.length, rowAt: (pos) => feed.at(pos) };
        },
        timestampOf: (row) => dataset.modifiedMs(row),
      }
    : {
        rows: () => ({ length: dataset.byModification.size, rowAt: (pos) => dataset.byModification.at(pos) }),
        timestampOf: (row) => dataset.modifiedMs(row),
      };
  const byPhotos: TimestampIndex = {
    rows: () => ({ length: dataset.byPhotos.size, rowAt: (pos) => dataset.byPhotos.at(pos) }),
    timestampOf: (row) => dataset.photosMs(row),
  };
  return {
    name: 'Property',
    variant: withTombstones ? 'feed' : 'live',
    type,
    keyField: 'ListingKey',
    timestampField: 'ModificationTimestamp',
    timestampIndexes: new Map([
      ['ModificationTimestamp', byModification],
      ['PhotosChangeTimestamp', byPhotos],
    ]),
    lookupFields: ['ListingKey', 'ListingId'],
    navigation: new Map([['Media', mediaNav]]),
    generation: () => dataset.generation,
    count: () => dataset.liveCount + (withTombstones ? dataset.tombstoneCount : 0),
    byKey: () => {
      const rows = withTombstones ? dataset.feed().byKey : dataset.liveIndices();
      return { length: rows.length, rowAt: (pos) => rows[pos] as number };
    },
    keyOf: (row) => dataset.keyOf(row),
    keyRank: (row) => row,
    lookup(field, values) {
      const rows = new Set<number>();
      for (const v of values) {
        const row = field === 'ListingId' ? lookupListingId(v) : rowOfKey(v);
        if (row !== undefined) rows.add(row);
      }
      return [...rows];
    },
    rowOfKey: (key) => rowOfKey(key),
    getter(row) {
      const ctx = dataset.propertyContext(row);
      return (field) => dataset.property.value(field, ctx);
    },
    project: (row, fields) => dataset.property.record(dataset.propertyContext(row), fields),
  };
}

export function createMediaTable(dataset: Dataset): EntityTable {
  const type = dataset.media.type;
  const m = dataset.mediaPerRecord;
  // Position of each order number within a listing's block, in MediaKey byte order.
  const keyOrder = mediaOrdersInKeyOrder(m);
  const rankOfOrder = new Array<number>(m + 1).fill(0);
  keyOrder.forEach((order, pos) => (rankOfOrder[order] = pos));
  const split = (row: number): { index: number; order: number } => ({ index: Math.floor(row / m), order: (row % m) + 1 });
  const expand = (listingAt: (pos: number) => number, listings: number): OrderedRows => ({
    length: listings * m,
    rowAt: (pos) => listingAt(Math.floor(pos / m)) * m + (keyOrder[pos % m] as number) - 1,
  });
  const liveRow = (index: number, order: number): number | undefined =>
    dataset.isLive(index) && order >= 1 && order <= m ? index * m + order - 1 : undefined;
  // Every Media row of a listing carries the listing's photo timestamp in both fields.
  const byPhotos: TimestampIndex = {
    rows: () => expand((pos) => dataset.byPhotos.at(pos), dataset.byPhotos.size),
    timestampOf: (row) => dataset.photosMs(split(row).index),
  };
  return {
    name: 'Media',
    variant: 'live',
    type,
    keyField: 'MediaKey',
    timestampField: 'ModificationTimestamp',
    timestampIndexes: new Map([
      ['ModificationTimestamp', byPhotos],
      ['MediaModificationTimestamp', byPhotos],
    ]),
    lookupFields: ['MediaKey', 'ResourceRecordKey'],
    navigation: new Map(),
    generation: () => dataset.generation,
    count: () => dataset.liveCount * m,
    byKey: () => {
      const live = dataset.liveIndices();
      return expand((pos) => live[pos] as number, live.length);
    },
    keyOf: (row) => {
      const { index, order } = split(row);
      return dataset.keys.mediaKey(index, order);
    },
    keyRank: (row) => {
      const { index, order } = split(row);
      return index * m + (rankOfOrder[order] as number);
    },
    lookup(field, values) {
      const rows = new Set<number>();
      for (const v of values) {
        if (field === 'MediaKey') {
          const parsed = dataset.keys.parseMediaKey(v);
          const row = parsed && liveRow(parsed.index, parsed.order);
          if (row !== undefined) rows.add(row);
        } else {
          const index = dataset.keys.parseListingKey(v);
          if (index !== undefined && dataset.isLive(index)) for (let k = 0; k < m; k++) rows.add(index * m + k);
        }
      }
      return [...rows];
    },
    rowOfKey(key) {
      const parsed = dataset.keys.parseMediaKey(key);
      return parsed && liveRow(parsed.index, parsed.order);
    },
    getter(row) {
      const { index, order } = split(row);
      const ctx = dataset.mediaContext(index, order);
      return (field) => dataset.media.value(field, ctx);
    },
    project(row, fields) {
      const { index, order } = split(row);
      return dataset.media.record(dataset.mediaContext(index, order), fields);
    },
  };
}
