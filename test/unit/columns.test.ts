import { describe, expect, it } from 'vitest';
import {
  adoptLiveType,
  columnConverter,
  fitRowLimit,
  planColumn,
  toColumnValue,
  ValueRejected,
  ValueTooLong,
  widenColumn,
  type ColumnPlan,
} from '../../activities/destinations/mysql/columns';
import { latestPerKey } from '../../activities/destinations/duplicates';
import type { EdmModel, FieldModel } from '../../activities/source/metadata';

const model: EdmModel = {
  namespaces: ['x'],
  entityTypes: {},
  complexTypes: {},
  entitySets: [],
  problems: [],
  enumTypes: {
    StandardStatus: {
      name: 'StandardStatus',
      namespace: 'x',
      underlyingType: 'Edm.Int32',
      isFlags: false,
      members: [{ name: 'Active' }, { name: 'ActiveUnderContract' }],
    },
    Features: { name: 'Features', namespace: 'x', underlyingType: 'Edm.Int64', isFlags: true, members: [{ name: 'A' }] },
  },
};

function field(name: string, type: FieldModel['type'], extra: Partial<FieldModel> = {}): FieldModel {
  return { name, type, collection: false, nullable: true, ...extra };
}
const prim = (name: string) => ({ kind: 'primitive', name }) as FieldModel['type'];
const plan = (f: FieldModel, isKey = false) => planColumn(f, f.name, model, { isKey });

describe('EDM → MySQL column types', () => {
  it('maps every primitive with its facets', () => {
    expect(plan(field('K', prim('Edm.String'), { maxLength: 40 }), true).sqlType).toBe(
      'VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
    );
    expect(plan(field('S', prim('Edm.String'), { maxLength: 25 })).sqlType).toBe('VARCHAR(25)');
    expect(plan(field('S', prim('Edm.String'), { maxLength: 4000 })).sqlType).toBe('TEXT');
    expect(plan(field('S', prim('Edm.String'))).sqlType).toBe('MEDIUMTEXT');
    expect(plan(field('S', prim('Edm.String'), { maxLength: 'max' })).sqlType).toBe('MEDIUMTEXT');
    expect(plan(field('B', prim('Edm.Boolean'))).sqlType).toBe('TINYINT(1)');
    expect(plan(field('B', prim('Edm.Byte'))).sqlType).toBe('TINYINT UNSIGNED');
    expect(plan(field('I', prim('Edm.Int64'))).sqlType).toBe('BIGINT');
    expect(plan(field('D', prim('Edm.Decimal'), { precision: 14, scale: 2 })).sqlType).toBe('DECIMAL(14,2)');
    expect(plan(field('D', prim('Edm.Decimal'), { precision: 14 })).sqlType).toBe('DOUBLE');
    expect(plan(field('F', prim('Edm.Single'))).sqlType).toBe('DOUBLE');
    expect(plan(field('T', prim('Edm.DateTimeOffset'))).sqlType).toBe('DATETIME(6)');
    expect(plan(field('T', prim('Edm.DateTimeOffset'), { precision: 27 })).sqlType).toBe('DATETIME(6)');
    expect(plan(field('T', prim('Edm.DateTimeOffset'), { precision: 3 })).sqlType).toBe('DATETIME(3)');
    expect(plan(field('G', prim('Edm.Guid'))).sqlType).toBe('CHAR(36)');
    expect(plan(field('Tm', prim('Edm.TimeOfDay'))).sqlType).toBe('TIME(6)');
    expect(plan(field('Dt', prim('Edm.Date'))).sqlType).toBe('DATE');
  });

  it('maps enums, flag enums, collections and unknown types', () => {
    expect(plan(field('E', { kind: 'enum', name: 'StandardStatus' })).sqlType).toBe('VARCHAR(64)');
    expect(plan(field('E', { kind: 'enum', name: 'Features' })).sqlType).toBe('TEXT');
    expect(plan(field('C', { kind: 'enum', name: 'StandardStatus' }, { collection: true })).sqlType).toBe('JSON');
    expect(plan(field('U', { kind: 'unknown', raw: 'X.City' })).sqlType).toBe('MEDIUMTEXT');
  });

  it('turns the widest VARCHARs into TEXT until a 650-column row fits', () => {
    const plans: ColumnPlan[] = Array.from({ length: 650 }, (_, i) => plan(field(`F${i}`, prim('Edm.String'), { maxLength: 100 })));
    const fitted = fitRowLimit(plans, new Set());
    const bytes = fitted.reduce((s, p) => s + (p.kind === 'string' ? p.maxChars! * 4 + 2 : 12), 0);
    expect(bytes).toBeLessThanOrEqual(60_000);
    expect(fitted.filter((p) => p.sqlType === 'VARCHAR(100)').length).toBeGreaterThan(100);
  });
});

describe('value conversion', () => {
  const int16 = plan(field('I', prim('Edm.Int16')));
  const dec = plan(field('D', prim('Edm.Decimal'), { precision: 6, scale: 2 }));
  const ts = plan(field('T', prim('Edm.DateTimeOffset')));
  const date = plan(field('Dt', prim('Edm.Date')));
  const str = plan(field('S', prim('Edm.String'), { maxLength: 5 }));
  const coll = plan(field('C', { kind: 'enum', name: 'StandardStatus' }, { collection: true }));

  it('accepts integers sent as 12.0 and refuses fractions and overflow', () => {
    expect(toColumnValue(int16, 12.0)).toBe('12');
    expect(toColumnValue(int16, '12.0')).toBe('12');
    expect(() => toColumnValue(int16, 12.5)).toThrow(ValueRejected);
    expect(() => toColumnValue(int16, 40000)).toThrow(/out of range/);
  });

  it('refuses decimals that would be rounded or overflow', () => {
    expect(toColumnValue(dec, 1234.5)).toBe('1234.5');
    expect(() => toColumnValue(dec, 1.234)).toThrow(/decimal places/);
    expect(() => toColumnValue(dec, 12345)).toThrow(/out of range/);
  });

  it('stores timestamps in UTC whatever the offset', () => {
    expect(toColumnValue(ts, '2024-01-01T05:00:00.1234567-07:00')).toBe('2024-01-01 12:00:00.123456');
    expect(() => toColumnValue(ts, 'TBD')).toThrow(/expected a timestamp/);
  });

  it('refuses "TBD" as a date and overlong text', () => {
    expect(toColumnValue(date, '2024-02-29')).toBe('2024-02-29');
    expect(() => toColumnValue(date, 'TBD')).toThrow(/expected a date/);
    expect(() => toColumnValue(str, 'abcdef')).toThrow(/exceeds VARCHAR\(5\)/);
  });

  it('stores collections as JSON, splitting a multi-value field sent as a string', () => {
    expect(toColumnValue(coll, ['Active'])).toBe('["Active"]');
    expect(toColumnValue(coll, 'Active, Pending')).toBe('["Active","Pending"]');
  });
});

describe('widening a column its data outgrew', () => {
  const varchar = (n: number) => plan(field('S', prim('Edm.String'), { maxLength: n }));
  const roomy = { isKey: false, spareRowBytes: 10_000 };

  it('says how long the text was, counting characters rather than UTF-16 units', () => {
    const err = (() => {
      try {
        toColumnValue(varchar(5), 'ab😀cdef');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValueTooLong);
    expect((err as ValueTooLong).chars).toBe(7);
    expect(toColumnValue(varchar(5), 'ab😀cd')).toBe('ab😀cd');
  });

  it('doubles a VARCHAR up to 255, falls back to the exact need, then to TEXT when the row has no room', () => {
    expect(widenColumn(varchar(20), 25, roomy)?.sqlType).toBe('VARCHAR(40)');
    expect(widenColumn(varchar(200), 210, roomy)?.sqlType).toBe('VARCHAR(255)');
    expect(widenColumn(varchar(20), 25, { isKey: false, spareRowBytes: 20 })?.sqlType).toBe('VARCHAR(25)');
    expect(widenColumn(varchar(20), 25, { isKey: false, spareRowBytes: 10 })).toMatchObject({ kind: 'text', sqlType: 'TEXT' });
    expect(widenColumn(varchar(20), 300, roomy)?.sqlType).toBe('TEXT');
    expect(widenColumn(varchar(20), 20_000, roomy)?.sqlType).toBe('MEDIUMTEXT');
  });

  it('grows TEXT to MEDIUMTEXT and stops there, and never widens CHAR, numbers or a key past VARCHAR(255)', () => {
    expect(widenColumn(plan(field('S', prim('Edm.String'), { maxLength: 4000 })), 20_000, roomy)?.sqlType).toBe('MEDIUMTEXT');
    expect(widenColumn(plan(field('S', prim('Edm.String'))), 5_000_000, roomy)).toBeUndefined();
    expect(widenColumn(plan(field('G', prim('Edm.Guid'))), 40, roomy)).toBeUndefined();
    expect(widenColumn(plan(field('I', prim('Edm.Int32'))), 40, roomy)).toBeUndefined();
    const key = plan(field('K', prim('Edm.String'), { maxLength: 20 }), true);
    expect(widenColumn(key, 30, { isKey: true, spareRowBytes: 10_000 })?.sqlType).toBe(
      'VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
    );
    expect(widenColumn(key, 300, { isKey: true, spareRowBytes: 10_000 })).toBeUndefined();
  });

  it('adopts a wider live type but never a narrower one', () => {
    expect(adoptLiveType(varchar(10), 'varchar', 27, false)).toMatchObject({ sqlType: 'VARCHAR(27)', maxChars: 27 });
    expect(adoptLiveType(varchar(10), 'mediumtext', null, false)).toMatchObject({ kind: 'text', sqlType: 'MEDIUMTEXT' });
    expect(adoptLiveType(varchar(50), 'varchar', 20, false)).toMatchObject({ sqlType: 'VARCHAR(50)' });
  });
});

describe('no silent conversions', () => {
  const text = plan(field('S', prim('Edm.String'), { maxLength: 40 }));
  const lookup = plan(field('L', prim('Edm.String'), { maxLength: 40, lookupName: 'Appliances' }));
  const guid = plan(field('G', prim('Edm.Guid')));
  const ts = plan(field('T', prim('Edm.DateTimeOffset')));

  it('refuses an array for a plain text field, and joins one only for a multi-value lookup', () => {
    expect(() => toColumnValue(text, ['a', 'b'])).toThrow(/expected text, got \["a","b"\]/);
    expect(toColumnValue(lookup, ['Dishwasher', 'Range'])).toBe('Dishwasher,Range');
  });

  it('refuses a Guid that is not one', () => {
    expect(toColumnValue(guid, '0F8FAD5B-D9CB-469F-A165-70867728950E')).toBe('0F8FAD5B-D9CB-469F-A165-70867728950E');
    expect(() => toColumnValue(guid, 'not-a-guid')).toThrow(/expected a Guid, got "not-a-guid"/);
    expect(() => toColumnValue(guid, '0f8fad5b-d9cb-469f-a165-70867728950')).toThrow(ValueRejected);
  });

  it('reads a timestamp without an offset as UTC only as a named decision it reports', () => {
    const decided: string[] = [];
    expect(toColumnValue(ts, '2024-01-01T12:00:00.5', (d) => decided.push(d))).toBe('2024-01-01 12:00:00.500000');
    expect(toColumnValue(ts, '2024-01-01T12:00:00.5Z', (d) => decided.push(d))).toBe('2024-01-01 12:00:00.500000');
    expect(toColumnValue(ts, '2024-01-01T07:00:00.5-05:00', (d) => decided.push(d))).toBe('2024-01-01 12:00:00.500000');
    expect(decided).toEqual(['timestamp-without-offset-read-as-utc']);
  });
});

describe('one copy per key in a page', () => {
  const rec = (k: string, ts: string, v: string) => ({ K: k, T: ts, V: v });

  it('keeps the copy the upsert would keep: the newest timestamp, the later one among equals', () => {
    const page = [
      rec('a', '2024-01-01T00:00:01Z', 'a1'),
      rec('b', '2024-01-01T00:00:01Z', 'b1'),
      rec('a', '2024-01-01T00:00:01Z', 'a2'),
      rec('b', '2024-01-01T00:00:00Z', 'b-older'),
      rec('c', '2024-01-01T00:00:00Z', 'c1'),
    ];
    const { records, dropped } = latestPerKey(page, 'K', 'T');
    expect(records.map((r) => r.V)).toEqual(['b1', 'a2', 'c1']);
    expect(dropped).toBe(2);
  });

  it('hands back the page itself when no key repeats', () => {
    const page = [rec('a', '2024-01-01T00:00:01Z', 'a1'), rec('b', '2024-01-01T00:00:01Z', 'b1')];
    expect(latestPerKey(page, 'K', 'T')).toEqual({ records: page, dropped: 0 });
  });
});

describe('the converter built once per column', () => {
  /** What toColumnValue makes of a value: the result, or the reason it refuses it, and any rule applied. */
  function outcome(convert: () => unknown): unknown {
    try {
      return { value: convert() };
    } catch (err) {
      return { refused: (err as Error).message };
    }
  }

  // A fast path may keep a JSON number as the number: every writer (mysql2's escaping, the bulk
  // path's text, the statement sizing) writes a number as its String(), the text toColumnValue gives.
  const written = (result: unknown) => {
    const { value } = result as { value?: unknown };
    return typeof value === 'number' ? { value: String(value) } : result;
  };

  it('converts every value exactly as toColumnValue does, fast path or not', () => {
    const plans = [
      plan(field('S', prim('Edm.String'), { maxLength: 5 })),
      plan(field('K', prim('Edm.String'), { maxLength: 5 }), true),
      plan(field('L', prim('Edm.String'), { maxLength: 5, lookupName: 'L' })),
      plan(field('G', prim('Edm.Guid'))),
      plan(field('B', prim('Edm.Boolean'))),
      plan(field('I', prim('Edm.Int16'))),
      plan(field('I64', prim('Edm.Int64'))),
      plan(field('D', prim('Edm.Decimal'), { precision: 6, scale: 2 })),
      plan(field('F', prim('Edm.Double'))),
      plan(field('T', prim('Edm.DateTimeOffset'))),
      plan(field('T3', prim('Edm.DateTimeOffset'), { precision: 3 })),
      plan(field('T0', prim('Edm.DateTimeOffset'), { precision: 0 })),
      plan(field('Dt', prim('Edm.Date'))),
      plan(field('Tm', prim('Edm.TimeOfDay'))),
      plan(field('J', prim('Edm.String'), { collection: true })),
    ];
    const values: unknown[] = [
      null,
      undefined,
      '',
      'abc',
      'abcdef',
      '\u{1F3E0}\u{1F3E0}\u{1F3E0}',
      ['a', 'b'],
      { a: 1 },
      true,
      false,
      0,
      1,
      -0,
      12,
      12.5,
      40000,
      -32768,
      2 ** 53 + 2,
      1e21,
      '12',
      '12.0',
      ' 7 ',
      'true',
      '1234.5',
      '1234.567',
      '9e20',
      '0f8fad5b-d9cb-469f-a165-70867728950e',
      '2024-05-01T12:00:00Z',
      '2024-05-01T12:00:00.1234567Z',
      '2024-05-01T12:00:00.123456789Z',
      '2024-02-29T23:59:59Z',
      '2023-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-05-01T24:00:00Z',
      '2024-05-01T12:60:00Z',
      '2024-05-01T12:00:60Z',
      '0999-12-31T00:00:00Z',
      '2024-05-01T12:00:00+02:00',
      '2024-05-01T12:00:00',
      '2024-05-01 12:00:00Z',
      ' 2024-05-01T12:00:00Z',
      '2024-05-01',
      '2024-02-29',
      '2023-02-29',
      '2024-00-10',
      '0000-02-29',
      '0999-03-01',
      '2024-05-01 ',
      9999.99,
      10000,
      -9999.99,
      0.005,
      1e-7,
      '12:30:00.1234567',
      // Collections: the members JSON escapes, and anything that is not a list of text.
      [],
      ['Dishwasher', 'Range', 'Refrigerator'],
      ['say "hi"'],
      ['back\\slash'],
      ['tab\there'],
      ['\u{1F3E0}'],
      ['\ud800'],
      ['\u2028'],
      [1, 2],
      ['a', null],
      [['a']],
      [{ a: 1 }],
      'A, B',
      // Decimals with a fraction: digits past the scale, or too many before the point.
      12.25,
      12.255,
      -0.5,
      0.25,
      9999.991,
      0.1 + 0.2,
      -10000.5,
      // Timestamps near the common form.
      '2024-05-01T12:00:00.Z',
      '2024-05-01T12:00:00.5Z',
      '2024-05-01T12:00:00.1234567890Z',
      '2024-05-01T12:00:00.12a4Z',
      '\uff12\uff10\uff12\uff14-05-01T12:00:00Z',
      '2024-05-01T12:00:00z',
      '2024-05-01t12:00:00Z',
      '2024-5-01T12:00:00Z',
      '2024-05-01T12:00:00ZZ',
      '2024-05-01T12:00Z',
      '2024-05-01T-1:00:00Z',
    ];
    for (const p of plans) {
      const convert = columnConverter(p);
      for (const v of values) {
        const slow: string[] = [];
        const fast: string[] = [];
        const expected = written(outcome(() => toColumnValue(p, v, (d) => slow.push(d))));
        const got = written(outcome(() => convert(v, (d) => fast.push(d))));
        expect({ column: p.column, value: v, ...(got as object), rules: fast }).toEqual({
          column: p.column,
          value: v,
          ...(expected as object),
          rules: slow,
        });
      }
    }
  });
});
