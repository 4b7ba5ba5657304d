import { describe, expect, it } from 'vitest';
import type { SimField } from '../../simulator/fields';
import { FilterTypeError, compileFilter } from '../../simulator/odata/evaluate';
import { FilterSyntaxError, parseFilter } from '../../simulator/odata/filter';
import type { FilterExpr } from '../../simulator/odata/filter';
import { parseDateTimeOffset } from '../../simulator/odata/instant';

/** The AST without positions, so expectations stay readable. */
function shape(expr: FilterExpr): unknown {
  return JSON.parse(JSON.stringify(expr, (k, v) => (k === 'pos' ? undefined : v)));
}

function syntaxError(text: string): FilterSyntaxError {
  try {
    parseFilter(text);
  } catch (err) {
    if (err instanceof FilterSyntaxError) return err;
    throw err;
  }
  throw new Error(`expected ${text} to be rejected`);
}

const field = (name: string, kind: SimField['kind'], extra: Partial<SimField> = {}): [string, SimField] => [
  name,
  { name, type: '', kind, collection: false, nullable: true, ...extra },
];

const FIELDS = new Map<string, SimField>([
  field('ListingKey', 'string'),
  field('City', 'string'),
  field('ListPrice', 'decimal'),
  field('BedroomsTotal', 'integer'),
  field('PoolPrivateYN', 'boolean'),
  field('ListingContractDate', 'date'),
  field('ModificationTimestamp', 'datetime'),
  field('StandardStatus', 'enum', {
    enum: { name: 'StandardStatus', qualifiedName: 'org.reso.metadata.enums.StandardStatus', members: ['Active', 'Closed'] },
  }),
  field('Appliances', 'enum', { collection: true }),
]);

function matches(filter: string, record: Record<string, unknown>): boolean {
  return compileFilter(parseFilter(filter), FIELDS)((name) => record[name] ?? null);
}

const record = {
  ListingKey: 'L001',
  City: "O'Fallon",
  ListPrice: 450000.5,
  BedroomsTotal: 3,
  PoolPrivateYN: true,
  ListingContractDate: '2024-03-01',
  ModificationTimestamp: '2024-01-02T03:04:05.123Z',
  StandardStatus: 'Active',
  Appliances: ['Dishwasher'],
};

describe('simulator $filter parser', () => {
  it('parses every comparison operator with the field on either side', () => {
    for (const op of ['eq', 'ne', 'gt', 'ge', 'lt', 'le']) {
      expect(shape(parseFilter(`ListPrice ${op} 5`))).toEqual({
        kind: 'compare',
        op,
        left: { kind: 'field', name: 'ListPrice' },
        right: { kind: 'number', value: 5, text: '5' },
      });
    }
    expect(shape(parseFilter('5 lt ListPrice'))).toMatchObject({ kind: 'compare', op: 'lt', left: { kind: 'number' } });
  });

  it('binds and tighter than or', () => {
    expect(shape(parseFilter('A eq 1 or B eq 2 and C eq 3'))).toMatchObject({
      kind: 'or',
      terms: [
        { kind: 'compare', left: { name: 'A' } },
        { kind: 'and', terms: [{ left: { name: 'B' } }, { left: { name: 'C' } }] },
      ],
    });
  });

  it('lets parentheses override precedence', () => {
    expect(shape(parseFilter('(A eq 1 or B eq 2) and C eq 3'))).toMatchObject({
      kind: 'and',
      terms: [{ kind: 'or', terms: [{ left: { name: 'A' } }, { left: { name: 'B' } }] }, { left: { name: 'C' } }],
    });
  });

  it('applies not to the comparison or group after it', () => {
    expect(shape(parseFilter('not A eq 1 and B eq 2'))).toMatchObject({
      kind: 'and',
      terms: [
        { kind: 'not', expr: { kind: 'compare', left: { name: 'A' } } },
        { kind: 'compare', left: { name: 'B' } },
      ],
    });
    expect(shape(parseFilter('not (A eq 1 or B eq 2)'))).toMatchObject({ kind: 'not', expr: { kind: 'or' } });
  });

  it('flattens long or chains instead of nesting them', () => {
    const text = Array.from({ length: 500 }, (_, i) => `ListingKey eq 'K${i}'`).join(' or ');
    const expr = parseFilter(text);
    expect(expr.kind).toBe('or');
    expect(expr.kind === 'or' && expr.terms.length).toBe(500);
  });

  it("reads '' inside a string as one quote", () => {
    expect(shape(parseFilter("City eq 'O''Fallon'"))).toMatchObject({ right: { kind: 'string', value: "O'Fallon" } });
    expect(shape(parseFilter("City eq ''''"))).toMatchObject({ right: { kind: 'string', value: "'" } });
  });

  it('parses in lists, booleans, null and negative and decimal numbers', () => {
    expect(shape(parseFilter("City in ('A', 'B''s', null)"))).toEqual({
      kind: 'in',
      operand: { kind: 'field', name: 'City' },
      values: [{ kind: 'string', value: 'A' }, { kind: 'string', value: "B's" }, { kind: 'null' }],
    });
    expect(shape(parseFilter('X eq true'))).toMatchObject({ right: { kind: 'boolean', value: true } });
    expect(shape(parseFilter('X ne null'))).toMatchObject({ right: { kind: 'null' } });
    expect(shape(parseFilter('X gt -12.75'))).toMatchObject({ right: { kind: 'number', value: -12.75 } });
  });

  it('parses typed enum literals', () => {
    expect(shape(parseFilter("StandardStatus eq org.reso.metadata.enums.StandardStatus'Active'"))).toMatchObject({
      right: { kind: 'enum', type: 'org.reso.metadata.enums.StandardStatus', value: 'Active' },
    });
  });

  it('parses DateTimeOffset literals with 0 to 7 fractional digits and Z or an offset', () => {
    const at = (text: string) => {
      const e = parseFilter(`ModificationTimestamp gt ${text}`);
      return e.kind === 'compare' && e.right.kind === 'datetime' ? e.right.value : undefined;
    };
    const base = Date.UTC(2024, 0, 2, 3, 4, 5);
    expect(at('2024-01-02T03:04:05Z')).toEqual({ ms: base, ticks: 0 });
    expect(at('2024-01-02T03:04:05.1Z')).toEqual({ ms: base + 100, ticks: 0 });
    expect(at('2024-01-02T03:04:05.123Z')).toEqual({ ms: base + 123, ticks: 0 });
    expect(at('2024-01-02T03:04:05.1234567Z')).toEqual({ ms: base + 123, ticks: 4567 });
    expect(at('2024-01-02T05:04:05.1234567+02:00')).toEqual({ ms: base + 123, ticks: 4567 });
    expect(at('2024-01-01T22:34:05-04:30')).toEqual({ ms: base, ticks: 0 });
    expect(at('2024-01-02T03:04Z')).toEqual({ ms: base - 5000, ticks: 0 });
  });

  it('parses Date literals', () => {
    expect(shape(parseFilter('ListingContractDate ge 2024-02-29'))).toMatchObject({ right: { kind: 'date', value: '2024-02-29' } });
  });

  it('names the position of syntax errors', () => {
    expect(syntaxError('ListPrice gtt 5').position).toBe(10);
    expect(syntaxError('ListPrice gtt 5').message).toMatch(/comparison operator.*'gtt' at position 10/);
    expect(syntaxError("City eq 'abc").position).toBe(8);
    expect(syntaxError('(A eq 1').message).toMatch(/expected '\)'.*at position 7/);
    expect(syntaxError('A eq 1)').position).toBe(6);
    expect(syntaxError('A eq').message).toMatch(/end of the filter at position 4/);
    expect(syntaxError('A eq 1 OR B eq 2').message).toMatch(/lower-case.*position 7/);
    expect(syntaxError('A eq 1 and').position).toBe(10);
    expect(syntaxError('contains(City, 1)').message).toMatch(/function contains\(\) is not supported at position 0/);
    expect(syntaxError('Media/any(m: m/Order eq 1)').position).toBe(5);
    expect(syntaxError('A eq 1 # 2').position).toBe(7);
    expect(syntaxError('X in ()').message).toMatch(/at least one value/);
    expect(syntaxError('').message).toMatch(/empty filter/);
  });

  it('rejects malformed and out-of-range timestamps with their position', () => {
    expect(syntaxError('T gt 2024-13-01T00:00:00Z').message).toMatch(/invalid DateTimeOffset.*position 5/);
    expect(syntaxError('T gt 2023-02-29T00:00:00Z').message).toMatch(/invalid DateTimeOffset/);
    expect(syntaxError('T gt 2024-01-01T00:00:00').message).toMatch(/needs a time zone/);
    expect(syntaxError('T gt 2024-01-01T25:00:00Z').message).toMatch(/invalid DateTimeOffset/);
    expect(syntaxError("T eq Status'Active'").message).toMatch(/namespace-qualified/);
  });
});

describe('simulator $filter evaluation', () => {
  it('evaluates comparisons, and/or/not and in over a record', () => {
    expect(matches('ListPrice gt 450000 and BedroomsTotal eq 3', record)).toBe(true);
    expect(matches('ListPrice gt 450001 or BedroomsTotal ne 3', record)).toBe(false);
    expect(matches('not (BedroomsTotal lt 3)', record)).toBe(true);
    expect(matches('BedroomsTotal le 3 and BedroomsTotal ge 3', record)).toBe(true);
    expect(matches("City eq 'O''Fallon'", record)).toBe(true);
    expect(matches("City in ('Riverton', 'O''Fallon')", record)).toBe(true);
    expect(matches('BedroomsTotal in (1, 2)', record)).toBe(false);
    expect(matches('PoolPrivateYN', record)).toBe(true);
    expect(matches('PoolPrivateYN eq false', record)).toBe(false);
  });

  it('gives and precedence over or when evaluating', () => {
    // true or (false and false) = true; (true or false) and false would be false.
    expect(matches('BedroomsTotal eq 3 or BedroomsTotal eq 9 and ListPrice eq 1', record)).toBe(true);
    expect(matches('(BedroomsTotal eq 3 or BedroomsTotal eq 9) and ListPrice eq 1', record)).toBe(false);
  });

  it('compares timestamps as instants, not strings', () => {
    expect(matches('ModificationTimestamp eq 2024-01-02T05:04:05.123+02:00', record)).toBe(true);
    expect(matches('ModificationTimestamp gt 2024-01-02T03:04:05.1229999Z', record)).toBe(true);
    expect(matches('ModificationTimestamp lt 2024-01-02T03:04:05.1230001Z', record)).toBe(true);
    expect(matches('ModificationTimestamp gt 2024-01-02T03:04:05.1230001Z', record)).toBe(false);
    expect(matches('ModificationTimestamp ge 2024-01-02', record)).toBe(true);
    expect(matches('ListingContractDate lt 2024-03-02', record)).toBe(true);
  });

  it('matches enums by plain or typed literal', () => {
    expect(matches("StandardStatus eq 'Active'", record)).toBe(true);
    expect(matches("StandardStatus eq org.reso.metadata.enums.StandardStatus'Closed'", record)).toBe(false);
    expect(matches("StandardStatus in (org.reso.metadata.enums.StandardStatus'Active')", record)).toBe(true);
  });

  it('treats null as OData does', () => {
    const r = { ...record, ListPrice: null };
    expect(matches('ListPrice eq null', r)).toBe(true);
    expect(matches('ListPrice ne null', r)).toBe(false);
    expect(matches('ListPrice gt 0', r)).toBe(false);
    expect(matches('ListPrice lt 0', r)).toBe(false);
    expect(matches('ListPrice ne 5', r)).toBe(true);
  });

  it('rejects type errors at compile time, with the position', () => {
    const compile = (text: string) => () => compileFilter(parseFilter(text), FIELDS);
    expect(compile('Nope eq 1')).toThrow(FilterTypeError);
    expect(compile('Nope eq 1')).toThrow(/unknown field Nope at position 0/);
    expect(compile("ModificationTimestamp gt '2024-01-01T00:00:00Z'")).toThrow(/unquoted.*at position 25/);
    expect(compile("ListPrice eq '5'")).toThrow(/cannot compare ListPrice/);
    expect(compile("StandardStatus eq org.reso.metadata.enums.City'X'")).toThrow(/enum type/);
    expect(compile("StandardStatus gt 'Active'")).toThrow(/only eq and ne/);
    expect(compile("Appliances eq 'Dishwasher'")).toThrow(/collection/);
    expect(compile('ListPrice')).toThrow(/not Boolean/);
  });
});

describe('DateTimeOffset values', () => {
  it('keep 100 ns precision beyond the millisecond', () => {
    expect(parseDateTimeOffset('2024-01-02T03:04:05.9999999Z')).toEqual({ ms: Date.UTC(2024, 0, 2, 3, 4, 5) + 999, ticks: 9999 });
  });

  it('accept leap days only in leap years', () => {
    expect(parseDateTimeOffset('2000-02-29T00:00:00Z')).toBeDefined();
    expect(parseDateTimeOffset('1900-02-29T00:00:00Z')).toBeUndefined();
  });
});
