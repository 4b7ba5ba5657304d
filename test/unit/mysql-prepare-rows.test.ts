import { describe, expect, it } from 'vitest';
import type { ColumnPlan } from '../../activities/destinations/mysql/columns';
import type { TablePlan } from '../../activities/destinations/mysql/schema';
import { maxStatementBytes, prepareRows, prepareRowsYielding, rowBytes } from '../../activities/destinations/mysql/writer';
import { statementBytes } from '../../activities/destinations/mysql/packet';

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
});
