/**
 * The contract between the sync engine and a place records are written to. A destination knows
 * how to write; it knows nothing about MLS platforms. Solr and PostgreSQL will implement it too.
 */
import type { EdmModel, EntityTypeModel } from '../source/metadata/model';
import type { SyncCursor } from '../../workflows/types';

/** What a destination needs to know about one replicated resource. */
export interface ResourceModel {
  source: string;
  resource: string;
  entity: EntityTypeModel;
  model: EdmModel;
  keyField: string;
  cursorField: string;
}

export interface WriteReject {
  key: string;
  field: string | null;
  reason: string;
  record: Record<string, unknown>;
}

export interface WriteResult {
  upserted: number;
  rejects: WriteReject[];
}

export interface SchemaChange {
  table: string;
  /** `widen column`: a text column made larger, because the metadata or the data asked for it. */
  action: 'create table' | 'add column' | 'add index' | 'widen column';
  detail: string;
}

export interface Destination {
  readonly name: string;
  /** Creates or migrates what the resource needs; returns what it changed (empty: nothing). */
  ensureSchema(resource: ResourceModel): Promise<SchemaChange[]>;
  /** Newest cursor position stored, for the next incremental run; null when empty. */
  highWaterMark(resource: ResourceModel): Promise<SyncCursor | null>;
  /** Upserts one page in one transaction; records that cannot be stored come back as rejects. */
  writePage(resource: ResourceModel, records: Record<string, unknown>[]): Promise<WriteResult>;
  /** Deletes records by key (deletes the platform signals in the feed); returns how many existed. */
  deleteRecords(resource: ResourceModel, keys: string[]): Promise<number>;
  count(resource: ResourceModel): Promise<number>;
  close(): Promise<void>;
}
