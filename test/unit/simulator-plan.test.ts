import { describe, expect, it } from 'vitest';
import { keysetFilter, andFilters } from '../../activities/source/query';
import { planFilter } from '../../simulator/engine/plan';
import { parseFilter } from '../../simulator/odata/filter';

const TARGET = { timestampField: 'ModificationTimestamp', keyField: 'ListingKey', lookupFields: ['ListingKey'] };
const plan = (text: string) => planFilter(parseFilter(text), TARGET);
const T = '2024-04-01T00:00:00.5Z';
const U = '2024-05-01T00:00:00Z';

describe('simulator filter planning', () => {
  it('turns the keyset window into index bounds with nothing left to evaluate', () => {
    const p = plan(
      `(ModificationTimestamp gt ${T} or (ModificationTimestamp eq ${T} and ListingKey gt 'L000000005')) and ModificationTimestamp le ${U}`,
    );
    expect(p.residual).toBeUndefined();
    expect(p.lower).toEqual({ at: { ms: Date.parse(T), ticks: 0 }, key: 'L000000005', inclusive: false });
    expect(p.upper).toEqual({ at: { ms: Date.parse(U), ticks: 0 }, key: 1, inclusive: true });
  });

  it('recognises the window the product builds, operands and terms in any order', () => {
    const product = keysetFilter({
      cursorField: 'ModificationTimestamp',
      keyField: 'ListingKey',
      numericKey: false,
      after: { timestamp: '2024-04-01T00:00:00.5000000Z', key: 'L1' },
      upperBound: U,
    });
    expect(plan(product).residual).toBeUndefined();
    const swapped = plan(
      `ModificationTimestamp le ${U} and ((ListingKey ge 'L1' and ${T} eq ModificationTimestamp) or ${T} lt ModificationTimestamp)`,
    );
    expect(swapped.residual).toBeUndefined();
    expect(swapped.lower).toMatchObject({ key: 'L1', inclusive: true });
  });

  it("keeps a user's filter as the only residual", () => {
    const filter = andFilters("City eq 'A' or City eq 'B'", `ModificationTimestamp ge ${T} and ModificationTimestamp lt ${U}`) as string;
    const p = plan(filter);
    expect(p.lower).toMatchObject({ key: -1, inclusive: true });
    expect(p.upper).toMatchObject({ key: -1, inclusive: false });
    expect(p.residual).toMatchObject({ kind: 'or' });
  });

  it('keeps the tighter of two bounds', () => {
    const p = plan(
      `ModificationTimestamp gt ${T} and ModificationTimestamp ge 2024-04-02T00:00:00Z and ModificationTimestamp lt ${U} and ModificationTimestamp le ${U}`,
    );
    expect(p.lower?.at.ms).toBe(Date.parse('2024-04-02T00:00:00Z'));
    expect(p.upper).toMatchObject({ inclusive: false });
  });

  it('answers key equality, in-lists and or-chains of keys by lookup', () => {
    expect(plan("ListingKey in ('A', 'B')").lookup).toEqual({ field: 'ListingKey', values: ['A', 'B'] });
    expect(plan("ListingKey eq 'A' or ListingKey eq 'B'").lookup).toEqual({ field: 'ListingKey', values: ['A', 'B'] });
    const mixed = plan("ListingKey eq 'A' or City eq 'B'");
    expect(mixed.lookup).toBeUndefined();
    expect(mixed.residual).toMatchObject({ kind: 'or' });
  });

  it('leaves what it cannot capture exactly to evaluation', () => {
    expect(plan(`not (ModificationTimestamp gt ${T})`).lower).toBeUndefined();
    expect(plan(`ModificationTimestamp ne ${T}`).residual).toMatchObject({ kind: 'compare', op: 'ne' });
    expect(plan(`ModificationTimestamp gt ${T} or ListingKey gt 'K'`).residual).toMatchObject({ kind: 'or' });
  });
});
