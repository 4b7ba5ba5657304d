/**
 * The contract between the sync engine and a place records are written to. A destination knows
 * how to write; it knows nothing about MLS platforms. MySQL, PostgreSQL and Solr implement it.
 */
import type { LinePlan } from '../common/load-lines';
import type { EdmModel, EntityTypeModel } from '../source/metadata/model';
import type { MediaFilesLedger } from './media-files';

/**
 * Position in the (ModificationTimestamp, key) order: everything at or before it is committed.
 * Part of the contract (paging reads from it, destinations report their high-water mark as one);
 * workflows carry it across the Temporal boundary and import this type from here.
 */
export interface SyncCursor {
  /** ISO 8601 instant of the last committed record's cursor field. */
  timestamp: string;
  /** That record's key; '' means "from the start of this timestamp, inclusive". */
  key: string;
}

/** What a destination needs to know about one replicated resource. */
export interface ResourceModel {
  source: string;
  resource: string;
  entity: EntityTypeModel;
  model: EdmModel;
  keyField: string;
  cursorField: string;
  /** Navigation properties downloaded with `$expand`, each kept in its own child table. */
  children?: ChildModel[];
}

/** An expanded navigation property: its rows arrive inside each parent record. */
export interface ChildModel {
  /** NavigationProperty name, e.g. Media: the parent record's property holding the children. */
  navigation: string;
  /**
   * The name destination hooks receive for these rows (makeTableName, makeFieldName, transform):
   * `<Resource><Navigation>`, e.g. PropertyMedia.
   */
  resource: string;
  /** The navigation's target entity type. */
  entity: EntityTypeModel;
  keyField: string;
  /** Deleting the parent deletes these children too. */
  purgeWithParent: boolean;
}

export interface WriteReject {
  key: string;
  field: string | null;
  reason: string;
  record: Record<string, unknown>;
}

export interface WriteResult {
  /** Parent records written (children are counted in `children`). */
  upserted: number;
  rejects: WriteReject[];
  /** Records a transform hook returned null for: deliberately not written. */
  skipped: number;
  /** Per expanded navigation property, when the resource has any. */
  children?: ChildWriteResult[];
  /**
   * Values stored by a named rule although they were not what the metadata promised (e.g. a
   * timestamp without an offset, read as UTC): counted per field, see docs/decisions.md.
   */
  decisions?: ConversionNotice[];
}

/**
 * A value stored although it was not quite what the metadata promised, by a documented rule
 * (docs/decisions.md) rather than silently: every destination's writer counts and logs each one.
 */
export type ConversionDecision = 'timestamp-without-offset-read-as-utc';

export interface ConversionNotice {
  /** The rule's name, e.g. `timestamp-without-offset-read-as-utc`. */
  decision: string;
  field: string;
  /** Records of the page it applied to. */
  records: number;
  /** The key of one of them. */
  example: string;
}

export interface ChildWriteResult {
  navigation: string;
  /** `<Resource><Navigation>`, e.g. PropertyMedia (the name rejects are recorded under). */
  resource: string;
  /** Parents whose children were replaced (their incoming timestamp was not older than the stored one). */
  parentsReplaced: number;
  /** Child rows written, and rows deleted before that. */
  upserted: number;
  deleted: number;
  /** Child rows that could not be stored (key = the child's key). */
  rejects: WriteReject[];
  skipped: number;
}

export interface SchemaChange {
  table: string;
  /** `widen column`: a text column made larger, because the metadata or the data asked for it. */
  action: 'create table' | 'add column' | 'add index' | 'widen column';
  detail: string;
}

/**
 * The rows at the high-water timestamp. A stored timestamp may be truncated (DATETIME(6) keeps
 * microseconds of OData's 100 ns): every MLS timestamp in `[timestamp, until)` is stored as it.
 */
export interface HighWaterTie {
  /** Canonical UTC. */
  timestamp: string;
  /** Canonical UTC, exclusive. */
  until: string;
  /** Rows stored at that timestamp. */
  rows: number;
  /** The greatest key among them, as the MLS knows it (byte order for text keys, numeric for integers). */
  greatestKey: string;
}

export interface Destination {
  readonly name: string;
  /** Creates or migrates what the resource needs; returns what it changed (empty: nothing). */
  ensureSchema(resource: ResourceModel): Promise<SchemaChange[]>;
  /** Newest cursor position stored, for the next incremental run; null when empty. */
  highWaterMark(resource: ResourceModel): Promise<SyncCursor | null>;
  /** What is stored at the newest cursor timestamp (where the next run resumes); null when empty. */
  highWaterTie(resource: ResourceModel): Promise<HighWaterTie | null>;
  /** Upserts one page in one transaction; records that cannot be stored come back as rejects. */
  writePage(resource: ResourceModel, records: Record<string, unknown>[]): Promise<WriteResult>;
  /**
   * Sync: the plan by which the JSON thread may write this destination's LOAD DATA lines of the
   * resource's next pages from their JSON (common/load-lines.ts); undefined when its pages would
   * not use them. Optional: only MySQL's bulk path takes lines.
   */
  linePlan?(resource: ResourceModel): LinePlan | undefined;
  /**
   * Deletes records by key (deletes the platform signals in the feed), with the children of
   * navigations that purge with their parent; returns how many parents existed.
   */
  deleteRecords(resource: ResourceModel, keys: string[]): Promise<number>;
  count(resource: ResourceModel): Promise<number>;
  /**
   * Purge and reconcile: stored keys after `after` (null: from the first), in byte order, with
   * their stored cursor value; at most `limit`. Keys as stored, before any key mapping.
   */
  readKeys(resource: ResourceModel, after: string | null, limit: number): Promise<StoredKey[]>;
  /**
   * Purge: which of these stored keys are still there with a cursor at or before `notAfter` (an
   * ISO instant), i.e. what a delete of them may remove.
   */
  keysNotAfter(resource: ResourceModel, keys: string[], notAfter: string): Promise<string[]>;
  /**
   * `resync record`: the MLS record in the form this destination would store it (`skipped`: its
   * transform drops it; `{ rejected }` in place of the document when it cannot be stored) and the
   * stored copy of the key (null: none), so a caller compares without knowing the destination.
   */
  recordForms?(resource: ResourceModel, key: string, record: Record<string, unknown> | null): Promise<RecordForms>;
  /**
   * `resync status`: rows stored for one expanded navigation (e.g. Media) of the resource, with the
   * name of the table or core holding them; 0 when nothing was synced yet.
   */
  countChildren?(resource: ResourceModel, navigation: string): Promise<{ store: string; count: number }>;
  /**
   * The dashboard: rows and newest cursor value (canonical UTC) of the table or core a resource
   * (or an expanded child, `<Resource><Navigation>` with `cursorField` null) is written to, found
   * by the destination's naming alone: no $metadata, so a source whose MLS is down still shows
   * what is stored. Nothing made yet holds 0 rows; creates nothing.
   */
  storedCount(source: string, resource: string, cursorField: string | null): Promise<StoredCount>;
  /**
   * End of a sync run's window (or a purge): makes what the run wrote durable and visible, e.g.
   * Solr's hard commit. Idempotent; optional (MySQL commits per page and needs nothing here).
   */
  finish?(resource: ResourceModel): Promise<void>;
  /**
   * Media files (docs/media.md): the files ledger kept beside the Media rows of an expanded
   * `navigation` of the resource, or (null) of the Media resource itself. Optional: a destination
   * without it (Solr) keeps the Media rows but no files table.
   */
  mediaFiles?(resource: ResourceModel, navigation: string | null): Promise<MediaFilesLedger>;
  close(): Promise<void>;
}

export interface StoredCount {
  count: number;
  newest: string | null;
}

export interface RecordForms {
  /** The table or core holding the resource. */
  store: string;
  /** Field → the column holding it, where the destination names them apart (MySQL, PostgreSQL). */
  columns?: Record<string, string>;
  skipped: boolean;
  wanted: Record<string, unknown> | null;
  stored: Record<string, unknown> | null;
}

/** A stored key and its cursor value as the destination prints it (MySQL: `YYYY-MM-DD HH:MM:SS.ffffff`, UTC). */
export interface StoredKey {
  key: string;
  cursor: string | null;
}
