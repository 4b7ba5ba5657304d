/**
 * The pure parts of purge and reconcile: byte order of keys, integer keys' sortable form,
 * timestamps compared at the stored precision, the streaming merge, and purge's guards.
 */
import { describe, expect, it } from 'vitest';
import { KeyStream, mergeKeys, type KeyRow, type MergeStep } from '../../activities/keys/merge';
import { compareKeys, keyFromSortKey, KeyOrderError, sameAtStoredPrecision, sortKey, storedNotAfter } from '../../activities/keys/order';
import { deletionRefusal, keySetRefusal } from '../../workflows/purge-guards';

describe('key order', () => {
  it('orders keys as their UTF-8 bytes, astral characters after U+FFFF', () => {
    const keys = ['b', 'a', 'ab', 'A', '\u{1F600}', '\uFF21', 'é', 'a\u0000'];
    const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...keys].sort(compareKeys)).toEqual(byBytes);
    // JavaScript's own order differs exactly there.
    expect([...keys].sort()).not.toEqual(byBytes);
  });

  it('stages integer keys so that text order is numeric order, and reads them back', () => {
    const keys = ['-12', '3', '10', '0', '-3', '9223372036854775807', '12.0'];
    const staged = keys.map((k) => sortKey(k, true));
    expect([...staged].sort(compareKeys).map((k) => keyFromSortKey(k, true))).toEqual([
      '-12',
      '-3',
      '0',
      '3',
      '10',
      '12',
      '9223372036854775807',
    ]);
    expect(sortKey('ABC1', false)).toBe('ABC1');
    expect(() => sortKey('12a', true)).toThrow(KeyOrderError);
  });
});

describe('timestamps at the stored precision', () => {
  it('does not call a 7-digit MLS fraction stale when DATETIME(6) or (3) holds it truncated', () => {
    expect(sameAtStoredPrecision('2024-05-01T10:20:30.1234567Z', '2024-05-01 10:20:30.123456')).toBe(true);
    expect(sameAtStoredPrecision('2024-05-01T10:20:30.1239999Z', '2024-05-01 10:20:30.123')).toBe(true);
    expect(sameAtStoredPrecision('2024-05-01T10:20:30.9999999Z', '2024-05-01 10:20:30')).toBe(true);
    expect(sameAtStoredPrecision('2024-05-01T12:20:30.5+02:00', '2024-05-01 10:20:30.500000')).toBe(true);
  });

  it('calls any real difference stale, older or newer', () => {
    expect(sameAtStoredPrecision('2024-05-01T10:20:30.124Z', '2024-05-01 10:20:30.123000')).toBe(false);
    expect(sameAtStoredPrecision('2024-05-01T10:20:30.123Z', '2024-05-01 10:20:30.124')).toBe(false);
    expect(sameAtStoredPrecision('2024-04-30T10:20:30.123Z', '2024-05-01 10:20:30.123000')).toBe(false);
  });

  it('keeps rows written after the run began out of reach', () => {
    const bound = '2024-05-01T10:00:00.0000000Z';
    expect(storedNotAfter('2024-05-01 10:00:00.000000', bound)).toBe(true);
    expect(storedNotAfter('2024-05-01 10:00:00.000001', bound)).toBe(false);
    expect(storedNotAfter(null, bound)).toBe(true);
  });
});

/** A reader over a sorted array, a page at a time, that counts its reads. */
function pagedReader(rows: KeyRow[], pageSize: number) {
  const reads: (string | null)[] = [];
  return {
    reads,
    stream: (name: string, after: string | null = null) =>
      new KeyStream(
        name,
        async (from) => {
          reads.push(from);
          const start = from === null ? 0 : rows.findIndex((r) => compareKeys(r.key, from) > 0);
          return start < 0 ? [] : rows.slice(start, start + pageSize);
        },
        pageSize,
        after,
      ),
  };
}

const rows = (...keys: string[]): KeyRow[] => keys.map((key) => ({ key, ts: `t-${key}` }));

async function collect(gen: AsyncGenerator<MergeStep>): Promise<MergeStep[]> {
  const out: MergeStep[] = [];
  for await (const step of gen) out.push(step);
  return out;
}

describe('streaming merge', () => {
  it('says for every key which side has it, across page boundaries', async () => {
    const mls = pagedReader(rows('a', 'b', 'c', 'e', 'f', 'g', 'h'), 2);
    const dest = pagedReader(rows('b', 'd', 'e', 'h', 'i'), 2);
    const steps = await collect(mergeKeys(mls.stream('mls'), dest.stream('dest')));
    expect(steps.map((s) => `${s.side}:${s.key}`)).toEqual([
      'mls:a',
      'both:b',
      'mls:c',
      'dest:d',
      'both:e',
      'mls:f',
      'mls:g',
      'both:h',
      'dest:i',
    ]);
    expect(steps[1]).toEqual({ side: 'both', key: 'b', mls: 't-b', dest: 't-b' });
  });

  it('resumes after a position without reading what came before', async () => {
    const mls = pagedReader(rows('a', 'b', 'c', 'd'), 2);
    const dest = pagedReader(rows('a', 'c', 'e'), 2);
    const steps = await collect(mergeKeys(mls.stream('mls', 'b'), dest.stream('dest', 'b')));
    expect(steps.map((s) => `${s.side}:${s.key}`)).toEqual(['both:c', 'mls:d', 'dest:e']);
    expect(mls.reads[0]).toBe('b');
  });

  it('keeps at most two pages per side in memory whatever the size', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `k${String(i).padStart(6, '0')}`);
    const mls = pagedReader(rows(...many), 100);
    const dest = pagedReader(rows(...many.filter((_, i) => i % 10 !== 0)), 100);
    let missing = 0;
    for await (const step of mergeKeys(mls.stream('mls'), dest.stream('dest'))) if (step.side === 'mls') missing++;
    expect(missing).toBe(1000);
    // One read per page (plus the empty one that ends each side), never the whole table at once.
    expect(mls.reads.length).toBeLessThanOrEqual(101);
  });

  it('refuses a side whose keys do not come in byte order', async () => {
    const mls = pagedReader(rows('a', 'b'), 10);
    const unsorted = new KeyStream('destination d0', async () => rows('b', 'a'), 10, null);
    await expect(collect(mergeKeys(mls.stream('mls'), unsorted))).rejects.toThrow(/destination d0 returned key "a" after "b"/);
  });
});

describe('purge guards', () => {
  const limits = { maxDeletes: 100, maxDeletePercent: 5, deleteBatchSize: 10 };
  const outcome = (rows: number, extra: number) => ({ rows, extra, missing: 0, stale: 0, deleted: 0, upserted: 0, rejected: 0 });
  const verified = { staged: 1000, windowStaged: 1000, expected: 1000, recount: null, problem: null };

  it('refuses an empty or short key set', () => {
    expect(keySetRefusal({ ...verified, staged: 0 })).toMatch(/no keys/);
    expect(keySetRefusal({ ...verified, problem: 'the key download is short' })).toMatch(/short; nothing deleted/);
    expect(keySetRefusal(verified)).toBeNull();
  });

  it('refuses over the absolute or the percent limit, naming the destination', () => {
    expect(deletionRefusal('Property', { d0: outcome(10_000, 100) }, limits)).toBeNull();
    expect(deletionRefusal('Property', { d0: outcome(10_000, 101) }, limits)).toMatch(
      /d0 would lose 101 of its 10000 rows, more than maxDeletes 100/,
    );
    expect(deletionRefusal('Property', { d0: outcome(1000, 50) }, limits)).toBeNull();
    expect(deletionRefusal('Property', { d0: outcome(1000, 51), d1: outcome(1000, 0) }, limits)).toMatch(
      /d0 would lose 51 of its 1000 rows \(5\.10%\)/,
    );
    expect(deletionRefusal('Property', { d0: outcome(0, 0) }, limits)).toBeNull();
  });
});
