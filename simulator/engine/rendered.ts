/**
 * Records rendered ahead of time. A benchmark measures resync, not the simulator, yet on a small
 * machine both share the same cores: generating and serialising 650-field records is most of the
 * simulator's work. `prerender` does that work before the clock starts, for the one projection the
 * benchmark will ask for; requests with that projection then only copy bytes. Each record is also
 * gzipped ahead, as a gzip member of its own: a response is then a concatenation of members
 * (RFC 1952 allows several; every gzip decoder reads them as one stream), so gzipping 26 MB pages,
 * a quarter of a second each, does not sit between a request and its answer either (a real MLS
 * compresses on its own machines). Any dataset mutation makes the whole cache stale.
 */
import { constants, gzipSync } from 'node:zlib';
import type { ExpandItem } from '../odata/query';
import type { EntityTable } from './table';

export interface Projection {
  select?: string[] | undefined;
  expand?: ExpandItem[] | undefined;
}

/** Equal for two projections that produce the same JSON for every row. */
export function projectionSignature(p: Projection, expandDefaultTop: number | undefined): string {
  const fields = (select: string[] | undefined) => (select && !select.includes('*') ? select.join(',') : '*');
  const expand = (p.expand ?? []).map((e) => `${e.name}(${fields(e.select)};${e.top ?? expandDefaultTop ?? ''})`).join(',');
  return `${fields(p.select)}|${expand}`;
}

export class RenderedRecords {
  private readonly rows = new Map<number, Buffer>();
  private readonly gzipped = new Map<number, Buffer>();
  private table: EntityTable | undefined;
  private signature = '';
  private generation = -1;
  /** Records served from the cache so far (a benchmark reports it, so a missed projection shows). */
  hits = 0;

  /** Renders every live row of the table with `render`, replacing what was cached before. */
  fill(table: EntityTable, signature: string, render: (row: number) => unknown): number {
    this.rows.clear();
    this.gzipped.clear();
    const ordered = table.byKey();
    for (let i = 0; i < ordered.length; i++) {
      const row = ordered.rowAt(i);
      const json = Buffer.from(JSON.stringify(render(row)), 'utf8');
      this.rows.set(row, json);
      this.gzipped.set(row, gzipMember(json));
    }
    this.table = table;
    this.signature = signature;
    this.generation = table.generation();
    return this.rows.size;
  }

  /** The row's JSON when it was rendered for this table and projection and nothing changed since. */
  get(table: EntityTable, signature: string, row: number): Buffer | undefined {
    if (table !== this.table || signature !== this.signature || table.generation() !== this.generation) return undefined;
    const json = this.rows.get(row);
    if (json) this.hits += 1;
    return json;
  }

  /** The row's JSON as a gzip member, under the same conditions as `get`. */
  getGzipped(table: EntityTable, signature: string, row: number): Buffer | undefined {
    if (table !== this.table || signature !== this.signature || table.generation() !== this.generation) return undefined;
    const member = this.gzipped.get(row);
    if (member) this.hits += 1;
    return member;
  }
}

/** Bytes as one gzip member, at the level the simulator's responses use. */
export function gzipMember(bytes: Buffer | string): Buffer {
  return gzipSync(bytes, { level: constants.Z_BEST_SPEED });
}
