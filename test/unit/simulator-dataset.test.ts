import { describe, expect, it } from 'vitest';
import { Dataset } from '../../simulator/dataset';
import type { SimField } from '../../simulator/fields';

const ANCHOR = Date.UTC(2025, 5, 1);
const DAY = 86_400_000;

function dataset(records: number, seed: number, extra: Partial<ConstructorParameters<typeof Dataset>[0]> = {}): Dataset {
  return new Dataset({ records, seed, anchor: ANCHOR, ...extra });
}

/** Keys in replication order, read from the (timestamp, key) index. */
function indexOrder(ds: Dataset): string[] {
  return Array.from({ length: ds.byModification.size }, (_, p) => ds.byModification.at(p)).map((i) => `L${String(i).padStart(9, '0')}`);
}

/** The same order computed from scratch: sort live keys by (timestamp, key). */
function expectedOrder(ds: Dataset): string[] {
  return ds
    .liveKeys()
    .map((key) => ({ key, ts: String(ds.getRecord(key)?.ModificationTimestamp) }))
    .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.key < b.key ? -1 : 1))
    .map((r) => r.key);
}

function checkValue(field: SimField, value: unknown): string | undefined {
  if (field.collection) {
    if (!Array.isArray(value)) return 'collection is not an array';
    for (const v of value) {
      const problem = checkValue({ ...field, collection: false }, v);
      if (problem) return problem;
    }
    return undefined;
  }
  if (value === null) return undefined;
  switch (field.kind) {
    case 'string':
      if (typeof value !== 'string') return 'not a string';
      if (field.maxLength !== undefined && value.length > field.maxLength) return `longer than ${field.maxLength}`;
      return undefined;
    case 'enum':
      return field.enum?.members.includes(value as string) ? undefined : `not a member: ${String(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'not a boolean';
    case 'integer':
      return Number.isInteger(value) ? undefined : 'not an integer';
    case 'decimal': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'not a number';
      const [int = '', frac = ''] = String(Math.abs(value)).split('.');
      if (field.scale !== undefined && frac.length > field.scale) return `more than ${field.scale} decimals`;
      if (field.precision !== undefined && field.scale !== undefined && int.replace(/^0$/, '').length > field.precision - field.scale) {
        return `more than ${field.precision - field.scale} integer digits`;
      }
      return undefined;
    }
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'not a date';
    case 'datetime':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) ? undefined : 'not an ISO timestamp';
    default:
      return undefined;
  }
}

describe('simulator dataset', () => {
  it('generates the same records from the same seed', () => {
    const a = dataset(2000, 42);
    const b = dataset(2000, 42);
    for (const key of ['L000000000', 'L000000777', 'L000001999']) {
      expect(a.getRecord(key)).toEqual(b.getRecord(key));
      expect(a.getMedia(key)).toEqual(b.getMedia(key));
    }
    expect(indexOrder(a)).toEqual(indexOrder(b));
  });

  it('generates different records from a different seed', () => {
    const a = dataset(100, 1).getRecord('L000000010');
    const b = dataset(100, 2).getRecord('L000000010');
    expect(a?.ListingKey).toBe(b?.ListingKey);
    expect(a?.ModificationTimestamp).not.toBe(b?.ModificationTimestamp);
    const differing = Object.keys(a ?? {}).filter((k) => JSON.stringify(a?.[k]) !== JSON.stringify(b?.[k]));
    expect(differing.length).toBeGreaterThan(100);
  });

  it('puts every Data Dictionary field in each record, about a third of them non-null and valid for their type', () => {
    const ds = dataset(300, 7);
    const fields = ds.property.type.fields;
    expect(fields.length).toBeGreaterThan(600);
    let present = 0;
    let total = 0;
    for (const key of ds.liveKeys()) {
      const rec = ds.getRecord(key) as Record<string, unknown>;
      expect(Object.keys(rec)).toEqual(fields.map((f) => f.name));
      for (const f of fields) {
        const problem = checkValue(f, rec[f.name]);
        if (problem) throw new Error(`${key}.${f.name}: ${problem} (${JSON.stringify(rec[f.name])})`);
        total++;
        if (rec[f.name] !== null && !(Array.isArray(rec[f.name]) && (rec[f.name] as unknown[]).length === 0)) present++;
      }
    }
    expect(present / total).toBeGreaterThan(0.28);
    expect(present / total).toBeLessThan(0.5);
  });

  it('gives listings coherent identity, status, price and timestamps', () => {
    const ds = dataset(1000, 3);
    const statuses = new Set<unknown>();
    for (const key of ds.liveKeys()) {
      const rec = ds.getRecord(key) as Record<string, unknown>;
      expect(rec.ListingKey).toBe(key);
      expect(rec.ListingId).toMatch(/^\d+$/);
      const modified = Date.parse(rec.ModificationTimestamp as string);
      expect(modified).toBeLessThan(ANCHOR);
      expect(modified).toBeGreaterThan(ANCHOR - 366 * DAY);
      expect(Date.parse(rec.PhotosChangeTimestamp as string)).toBeLessThanOrEqual(modified);
      expect(rec.ListPrice).toBeGreaterThan(0);
      statuses.add(rec.StandardStatus);
    }
    expect(statuses.has('Active')).toBe(true);
    expect(statuses.size).toBeGreaterThan(3);
  });

  it('gives each listing its media, keyed and linked to the parent', () => {
    const ds = dataset(10, 3, { mediaPerRecord: 3 });
    const rec = ds.getRecord('L000000004') as Record<string, unknown>;
    const media = ds.getMedia('L000000004') ?? [];
    expect(media.map((m) => [m.MediaKey, m.Order, m.ResourceName, m.ResourceRecordKey])).toEqual([
      ['L000000004-M1', 1, 'Property', 'L000000004'],
      ['L000000004-M2', 2, 'Property', 'L000000004'],
      ['L000000004-M3', 3, 'Property', 'L000000004'],
    ]);
    for (const m of media) {
      expect(m.ModificationTimestamp).toBe(rec.PhotosChangeTimestamp);
      expect(m.MediaURL).toMatch(/^https:\/\//);
    }
  });

  it('keeps the index in (ModificationTimestamp, ListingKey) order', () => {
    const ds = dataset(3000, 9);
    expect(indexOrder(ds)).toEqual(expectedOrder(ds));
  });

  it('touch moves a record to the end of the index with a new version and a later timestamp', () => {
    const ds = dataset(500, 5);
    const key = indexOrder(ds)[10] as string;
    const before = ds.getRecord(key) as Record<string, unknown>;
    const result = ds.touch([key]);
    const after = ds.getRecord(key) as Record<string, unknown>;
    expect(indexOrder(ds).at(-1)).toBe(key);
    expect(Date.parse(after.ModificationTimestamp as string)).toBeGreaterThan(Date.parse(before.ModificationTimestamp as string));
    expect(after.ModificationTimestamp).toBe(result.timestamp);
    expect(ds.version(ds.indexOfKey(key) as number)).toBe(1);
    expect(indexOrder(ds)).toEqual(expectedOrder(ds));
  });

  it('touch gives each call a strictly later timestamp, even when the clock stands still', () => {
    const ds = dataset(100, 5, { now: () => ANCHOR + DAY });
    const first = ds.touch(['L000000001', 'L000000002']);
    const second = ds.touch(['L000000003']);
    const third = ds.touch(['L000000010', 'L000000011', 'L000000012', 'L000000013', 'L000000014'], { distinct: true });
    expect(ds.getRecord('L000000001')?.ModificationTimestamp).toBe(ds.getRecord('L000000002')?.ModificationTimestamp);
    expect(Date.parse(second.timestamp as string)).toBe(Date.parse(first.timestamp as string) + 1);
    expect(Date.parse(third.timestamp as string)).toBe(Date.parse(second.timestamp as string) + 1);
    const distinct = new Set(third.keys.map((k) => ds.getRecord(k)?.ModificationTimestamp));
    expect(distinct.size).toBe(5);
    expect(indexOrder(ds).slice(-5)).toEqual(third.keys);
  });

  it('touch by count picks that many distinct live records', () => {
    const ds = dataset(1000, 5);
    const result = ds.touch(250);
    expect(new Set(result.keys).size).toBe(250);
    expect(indexOrder(ds).slice(-250).sort()).toEqual([...result.keys].sort());
    expect(ds.touch(5000).keys.length).toBe(1000);
  });

  it('touch with photos moves the media timestamps too', () => {
    const ds = dataset(20, 5);
    const key = 'L000000003';
    const old = ds.getMedia(key)?.[0]?.ModificationTimestamp;
    ds.touch([key]);
    expect(ds.getMedia(key)?.[0]?.ModificationTimestamp).toBe(old);
    ds.touch([key], { photos: true });
    const rec = ds.getRecord(key) as Record<string, unknown>;
    expect(ds.getMedia(key)?.[0]?.ModificationTimestamp).toBe(rec.ModificationTimestamp);
    expect(rec.PhotosChangeTimestamp).toBe(rec.ModificationTimestamp);
  });

  it('setTimestamp gives many records one timestamp, tied records ordered by key', () => {
    const ds = dataset(1000, 5);
    const keys = ds.liveKeys().filter((_, i) => i % 7 === 0);
    const tie = '2025-05-20T10:00:00.000Z';
    ds.setTimestamp([...keys].reverse(), tie);
    const order = indexOrder(ds);
    const positions = keys.map((k) => order.indexOf(k));
    // Contiguous in the index and sorted by key among themselves.
    expect(positions).toEqual(positions.map((_, i) => (positions[0] as number) + i));
    for (const k of keys) expect(ds.getRecord(k)?.ModificationTimestamp).toBe(tie);
    expect(order).toEqual(expectedOrder(ds));
    // A later touch still lands after the tie.
    const touched = ds.touch(['L000000001']);
    expect(Date.parse(touched.timestamp as string)).toBeGreaterThan(Date.parse(tie));
  });

  it('remove deletes records from keys, lookups and the index', () => {
    const ds = dataset(100, 5);
    const result = ds.remove(['L000000005', 'L000000006', 'NOPE']);
    expect(result.keys).toEqual(['L000000005', 'L000000006']);
    expect(result.missing).toEqual(['NOPE']);
    expect(ds.liveCount).toBe(98);
    expect(ds.getRecord('L000000005')).toBeUndefined();
    expect(ds.getMedia('L000000005')).toBeUndefined();
    expect(ds.liveKeys()).not.toContain('L000000006');
    expect(indexOrder(ds)).not.toContain('L000000005');
    expect(ds.byModification.size).toBe(98);
    expect(ds.touch(['L000000005']).missing).toEqual(['L000000005']);
  });

  it('add creates new records at the end of the index and grows past the initial size', () => {
    const ds = dataset(10, 5);
    const result = ds.add(40);
    expect(result.keys[0]).toBe('L000000010');
    expect(result.keys.at(-1)).toBe('L000000049');
    expect(ds.liveCount).toBe(50);
    expect(indexOrder(ds).slice(-40)).toEqual(result.keys);
    expect(ds.getRecord('L000000049')?.ModificationTimestamp).toBe(result.timestamp);
    expect(ds.liveKeys().at(-1)).toBe('L000000049');
  });

  it('keeps the index exact through a random mix of mutations', () => {
    const ds = dataset(2000, 11, { now: () => ANCHOR });
    const keys = ds.liveKeys();
    for (let round = 0; round < 20; round++) {
      ds.touch(keys.filter((_, i) => (i * 7 + round) % 13 === 0));
      ds.setTimestamp(
        keys.filter((_, i) => (i + round) % 17 === 0),
        new Date(ANCHOR - (round % 4) * DAY).toISOString(),
      );
      ds.remove(keys.filter((_, i) => (i * 3 + round) % 97 === 0));
      ds.add(round % 3);
    }
    expect(indexOrder(ds)).toEqual(expectedOrder(ds));
    expect(ds.byModification.size).toBe(ds.liveCount);
    expect(ds.byPhotos.size).toBe(ds.liveCount);
  });

  it('holds a million records in compact state', () => {
    const ds = new Dataset({ records: 1_000_000, seed: 1 });
    expect(ds.liveCount).toBe(1_000_000);
    expect(ds.byModification.size).toBe(1_000_000);
    const first = ds.byModification.at(0);
    const last = ds.byModification.at(999_999);
    expect(ds.modifiedMs(first)).toBeLessThanOrEqual(ds.modifiedMs(last));
    expect(ds.getRecord('L000999999')?.ListingKey).toBe('L000999999');
  });
});
