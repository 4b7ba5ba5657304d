import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { ColumnPlan } from '../../activities/destinations/mysql/columns';
import type { TablePlan } from '../../activities/destinations/mysql/schema';
import { maxStatementBytes, prepareRows, prepareRowsYielding, rowBytes } from '../../activities/destinations/mysql/writer';
import { statementBytes } from '../../activities/destinations/mysql/packet';
import { attachLine } from '../../activities/common/load-lines';

function tablePlan(fields: string[]): TablePlan {
  const columns: ColumnPlan[] = fields.map((field) => ({ field, column: field, kind: 'text', sqlType: 'TEXT', maxChars: 16_383 }));
  return {
    source: 's',
    resource: 'R',
    table: 'R',
    columns,
    keyColumns: [fields[0]!],
    cursorColumn: null,
    parentKeyColumn: null,
    byField: new Map(columns.map((c) => [c.field, c])),
  };
}

describe('rows prepared for MySQL', () => {
  it('keeps every property that is not a column as an extra field, whatever the record holds', () => {
    const plan = tablePlan(['K', 'A', 'B']);
    const prepared = prepareRows(plan, 'K', [
      { K: '1', A: 'a', B: 'b' },
      { K: '2', A: 'a', X: 'x' },
      { K: '3', X: null, '@odata.etag': 'W/"1"' },
      { K: '4', B: undefined, Y: 1 },
    ]);
    expect(prepared.rows.map((r) => r[3])).toEqual([null, '{"X":"x"}', '{"X":null}', '{"Y":1}']);
  });

  it('still finds extra fields when a column is named like a property every object inherits', () => {
    // `record.__proto__` reads as present on any record (and a JSON column takes it), so counting
    // the columns a record has would say it has no other property, and `X` would be lost.
    const plan = tablePlan(['K', '__proto__']);
    plan.columns[1] = { ...plan.columns[1]!, kind: 'json', sqlType: 'JSON' };
    const prepared = prepareRows(plan, 'K', [{ K: '1', X: 'x' }]);
    expect(prepared.rejects).toEqual([]);
    expect(prepared.rows[0]?.[2]).toBe('{"X":"x"}');
  });

  it('gives a record with a line a row of only its key and cursor, as long as any row of its table', () => {
    const fields = Array.from({ length: 400 }, (_, i) => `F${i}`);
    const plan = { ...tablePlan(fields), cursorColumn: 'F350' };
    const record = Object.fromEntries(fields.map((f) => [f, `${f} value`]));
    attachLine(record, 'table-id', Buffer.from('a line\n'));
    const prepared = prepareRows(plan, 'F0', [record], { lines: 'table-id' });
    const row = prepared.rows[0]!;
    expect(prepared.lines[0]?.toString()).toBe('a line\n');
    expect(row.length).toBe(fields.length + 1);
    expect(Object.keys(row)).toEqual(['0', '350']);
    expect([row[0], row[350]]).toEqual(['F0 value', 'F350 value']);
  });

  it('bounds each row by no less than its exact size in the statement', () => {
    const plan = tablePlan(['K', 'A', 'B', 'N']);
    plan.columns[3] = { ...plan.columns[3]!, kind: 'double', sqlType: 'DOUBLE' };
    const numbers = [0, -0.0000012345678901234567, -1.7976931348623157e308, 5e-324, -123456789012345680000];
    const values = ['', "it's", 'tab\there', '\u{1F3E0}', 'é'.repeat(50), 'x'.repeat(1000)];
    const records = values.map((A, i) => ({ K: String(i), A, B: i % 2 ? null : `${A}\\`, N: numbers[i % numbers.length], Z: A }));
    const prepared = prepareRows(plan, 'K', records);
    for (const [p, row] of prepared.rows.entries()) {
      const exact = rowBytes(row);
      expect(exact).toBe(4 + row.reduce<number>((sum, v) => sum + statementBytes(v), 0) + 2 * (row.length - 1));
      expect(prepared.maxBytes[p]).toBeGreaterThanOrEqual(exact);
    }
    for (const value of [null, ...values, ...numbers, 'é\'"\\\u0000\u{1F3E0}']) {
      expect(maxStatementBytes(value)).toBeGreaterThanOrEqual(statementBytes(value));
    }
  });

  it('lets the event loop run every 16,000 values or so, however wide the table', async () => {
    /** Turns of the event loop taken while `run` converts. */
    async function turnsDuring(run: () => Promise<unknown>): Promise<number> {
      let turns = 0;
      let converting = true;
      const tick = () => {
        turns++;
        if (converting) setImmediate(tick);
      };
      setImmediate(tick);
      await run();
      converting = false;
      return turns;
    }
    const wide = tablePlan(Array.from({ length: 639 }, (_, i) => (i === 0 ? 'K' : `F${i}`)));
    const wideRecords = Array.from({ length: 100 }, (_, i) => ({ K: String(i) }));
    const narrow = tablePlan(['K', 'A', 'B']);
    const narrowRecords = Array.from({ length: 4000 }, (_, i) => ({ K: String(i), A: 'a' }));
    // 640 values a row: a turn every 25 records. 4 values a row: one every 4,000.
    expect(await turnsDuring(() => prepareRowsYielding(wide, 'K', wideRecords))).toBeGreaterThanOrEqual(4);
    expect(await turnsDuring(() => prepareRowsYielding(narrow, 'K', narrowRecords))).toBeLessThanOrEqual(2);
    expect(await prepareRowsYielding(narrow, 'K', narrowRecords)).toEqual(prepareRows(narrow, 'K', narrowRecords));
  });

  it('reads each column from where the record keeps it, whatever order its properties come in', () => {
    const plan = tablePlan(['K', 'A', 'B', 'C']);
    const ignore = (name: string) => name.split('@', 1)[0] === 'Media';
    const sent = [
      { K: '1', A: 'a1', B: 'b1', C: 'c1', Media: [] },
      { K: '2', A: 'a2', B: 'b2', C: 'c2', Media: [] },
      { C: 'c3', B: 'b3', A: 'a3', K: '3' },
      { K: '4', A: 'a4', X: 'x4', '@odata.etag': 'W/"4"', 'Media@odata.count': 0 },
      { K: '5', A: 'a5', B: 'b5', C: 'c5', Media: [] },
      { K: '6', 7: 'seven', A: 'a6', Y: { nested: true } },
      { K: '7', A: 'a7', X: 'x7', '@odata.etag': 'W/"7"', 'Media@odata.count': 2 },
    ];
    // As the worker receives them (records shaped alike share a layout), and as objects that are
    // not plain (what a transform may return), whose columns are read one by one by name.
    const received = deserialize(serialize(sent)) as Record<string, unknown>[];
    class Listing {}
    const unusual = sent.map((record) => Object.assign(new Listing(), record) as unknown as Record<string, unknown>);
    const expected = [
      ['1', 'a1', 'b1', 'c1', null],
      ['2', 'a2', 'b2', 'c2', null],
      ['3', 'a3', 'b3', 'c3', null],
      ['4', 'a4', null, null, '{"X":"x4"}'],
      ['5', 'a5', 'b5', 'c5', null],
      ['6', 'a6', null, null, '{"7":"seven","Y":{"nested":true}}'],
      ['7', 'a7', null, null, '{"X":"x7"}'],
    ];
    expect(prepareRows(plan, 'K', received, { ignore }).rows).toEqual(expected);
    expect(prepareRows(plan, 'K', unusual, { ignore }).rows).toEqual(expected);
  });

  it('reads a column a record inherits when the record is not a plain object', () => {
    const plan = tablePlan(['K', 'A']);
    const proto = {
      get A() {
        return 'from the prototype';
      },
    };
    const record = Object.assign(Object.create(proto) as Record<string, unknown>, { K: '1' });
    expect(prepareRows(plan, 'K', [record]).rows).toEqual([['1', 'from the prototype', null]]);
  });
});
