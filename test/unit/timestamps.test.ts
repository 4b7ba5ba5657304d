import { describe, expect, it } from 'vitest';
import { canonicalTimestamp, compareInstants, parseInstant, toMysqlDatetime, toODataLiteral } from '../../activities/common/timestamps';

describe('timestamps', () => {
  it('keeps all seven fractional digits', () => {
    expect(canonicalTimestamp('2024-03-01T10:20:30.1234567Z')).toBe('2024-03-01T10:20:30.1234567Z');
  });

  it('converts offsets to UTC', () => {
    expect(canonicalTimestamp('2024-03-01T03:20:30.5-07:00')).toBe('2024-03-01T10:20:30.5000000Z');
    expect(canonicalTimestamp('2024-03-01T12:20:30+0200')).toBe('2024-03-01T10:20:30.0000000Z');
  });

  it('reads a timestamp without a zone as UTC (a real feed oddity)', () => {
    expect(canonicalTimestamp('2024-03-01T10:20:30')).toBe('2024-03-01T10:20:30.0000000Z');
  });

  it('rejects what is not a timestamp', () => {
    expect(canonicalTimestamp('TBD')).toBeUndefined();
    expect(canonicalTimestamp('2024-02-31T00:00:00Z')).toBeUndefined();
  });

  it('orders instants across offsets and fractions', () => {
    const a = parseInstant('2024-03-01T10:20:30.1234567Z')!;
    const b = parseInstant('2024-03-01T03:20:30.1234568-07:00')!;
    expect(compareInstants(a, b)).toBe(-1);
    expect(compareInstants(b, a)).toBe(1);
    expect(compareInstants(a, a)).toBe(0);
  });

  it('truncates (never rounds up) to the MySQL column precision', () => {
    const t = parseInstant('2024-03-01T10:20:30.9999999Z')!;
    expect(toMysqlDatetime(t, 3)).toBe('2024-03-01 10:20:30.999');
    expect(toMysqlDatetime(t, 6)).toBe('2024-03-01 10:20:30.999999');
    expect(toMysqlDatetime(t, 0)).toBe('2024-03-01 10:20:30');
  });

  it('writes OData literals without trailing zeros', () => {
    expect(toODataLiteral('2024-03-01T10:20:30.1200000Z')).toBe('2024-03-01T10:20:30.12Z');
    expect(toODataLiteral('2024-03-01T10:20:30.0000000Z')).toBe('2024-03-01T10:20:30Z');
  });
});
