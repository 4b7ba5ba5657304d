import { describe, expect, it } from 'vitest';
import { andFilters, buildResourceUrl, keyLiteral, keysetFilter, quoteString } from '../../activities/source/query';

describe('OData query building', () => {
  it('escapes quotes in string literals', () => {
    expect(quoteString("O'Brien")).toBe("'O''Brien'");
  });

  it('leaves numeric keys bare and refuses non-numeric ones', () => {
    expect(keyLiteral('123', true)).toBe('123');
    expect(() => keyLiteral('1 or 1 eq 1', true)).toThrow(/not numeric/);
  });

  it("parenthesises a user's filter so its `or` cannot swallow the window", () => {
    expect(andFilters("City eq 'A' or City eq 'B'", 'ModificationTimestamp le 2024-01-01T00:00:00Z')).toBe(
      "(City eq 'A' or City eq 'B') and (ModificationTimestamp le 2024-01-01T00:00:00Z)",
    );
    expect(andFilters(undefined, 'X eq 1')).toBe('X eq 1');
    expect(andFilters(undefined, '  ')).toBeUndefined();
  });

  it('builds the keyset window: after (ts, key), up to the upper bound', () => {
    const base = {
      cursorField: 'ModificationTimestamp',
      keyField: 'ListingKey',
      numericKey: false,
      upperBound: '2024-05-01T00:00:00.0000000Z',
    };
    expect(keysetFilter({ ...base, after: null })).toBe('ModificationTimestamp le 2024-05-01T00:00:00Z');
    expect(keysetFilter({ ...base, after: { timestamp: '2024-04-01T00:00:00.5000000Z', key: '' } })).toBe(
      '(ModificationTimestamp ge 2024-04-01T00:00:00.5Z) and ModificationTimestamp le 2024-05-01T00:00:00Z',
    );
    expect(keysetFilter({ ...base, after: { timestamp: '2024-04-01T00:00:00.5000000Z', key: "K'1" } })).toBe(
      "(ModificationTimestamp gt 2024-04-01T00:00:00.5Z or (ModificationTimestamp eq 2024-04-01T00:00:00.5Z and ListingKey gt 'K''1')) and ModificationTimestamp le 2024-05-01T00:00:00Z",
    );
  });

  it('encodes system query options', () => {
    const url = buildResourceUrl('http://h/odata/', 'Property', {
      filter: "A eq 'b c'",
      select: ['A', 'B'],
      orderby: ['A asc'],
      top: 10,
      count: true,
    });
    expect(url).toBe('http://h/odata/Property?$filter=A%20eq%20%27b%20c%27&$select=A%2CB&$orderby=A%20asc&$top=10&$count=true');
  });
});
