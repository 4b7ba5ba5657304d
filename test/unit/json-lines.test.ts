/**
 * The LOAD DATA lines the JSON thread writes from a record's bytes (json-lines.mjs) must be exactly
 * what prepareRows and tsvChunks make of the parsed record, or not be written at all. Checked value
 * by value over every column kind, with values of every shape a feed sends (and many it should not),
 * for parents and for the expanded children that carry their parent's key.
 */
import { describe, expect, it } from 'vitest';
import type { ColumnPlan } from '../../activities/destinations/mysql/columns';
import type { TablePlan } from '../../activities/destinations/mysql/schema';
import { prepareRows } from '../../activities/destinations/mysql/writer';
import { tsvChunks } from '../../activities/destinations/mysql/bulk-load';
import { linePlan } from '../../activities/destinations/mysql/line-plan';
// @ts-expect-error -- plain JavaScript without declarations (it runs on the JSON thread as it is)
import * as untyped from '../../activities/destinations/mysql/json-lines.mjs';
import { withBareRecords, type LinePlan } from '../../activities/common/load-lines';

// @ts-expect-error -- plain JavaScript without declarations, as above
import * as wire from '../../activities/source/json-wire.mjs';

interface Members {
  spans: Int32Array;
  count: number;
}
const { bareRecord, compileLinePlan, takeLines, writeBareRecord, writeRecordLines } = untyped as {
  bareRecord: () => Buffer;
  compileLinePlan: (plan: LinePlan, keyField: string) => unknown;
  takeLines: () => Buffer;
  writeBareRecord: (compiled: unknown, bytes: Buffer, start: number, end: number, sink: { lengths: number[] }) => number;
  writeRecordLines: (compiled: unknown, bytes: Buffer, start: number, end: number, sink: { lengths: number[] }, members?: Members) => void;
};
const { recordMembers, transcodeRecord } = wire as {
  recordMembers: () => Members;
  transcodeRecord: (bytes: Buffer, start: number, end: number, target: Buffer, offset: number) => number;
};

function table(name: string, columns: ColumnPlan[], key: string, cursor: string | null, parentKey: string | null = null): TablePlan {
  return {
    source: 's',
    resource: name,
    table: name,
    columns,
    keyColumns: parentKey ? [key] : [key],
    cursorColumn: cursor,
    parentKeyColumn: parentKey,
    byField: new Map(columns.map((c) => [c.field, c])),
  };
}

const col = (field: string, rest: Omit<ColumnPlan, 'field' | 'column'>): ColumnPlan => ({ field, column: field, ...rest });

const parentColumns: ColumnPlan[] = [
  col('ListingKey', { kind: 'string', sqlType: 'VARCHAR(12)', maxChars: 12 }),
  col('ModificationTimestamp', { kind: 'datetime', sqlType: 'DATETIME(6)', fraction: 6 }),
  col('CloseTimestamp', { kind: 'datetime', sqlType: 'DATETIME(3)', fraction: 3 }),
  col('Stamp0', { kind: 'datetime', sqlType: 'DATETIME(0)', fraction: 0 }),
  col('City', { kind: 'string', sqlType: 'VARCHAR(8)', maxChars: 8 }),
  col('PublicRemarks', { kind: 'text', sqlType: 'TEXT', maxChars: 16_383 }),
  col('Appliances', { kind: 'text', sqlType: 'TEXT', maxChars: 20, flags: true }),
  col('Oddity', { kind: 'text', sqlType: 'MEDIUMTEXT', maxChars: 4_194_303, lenient: true }),
  col('ListingGuid', { kind: 'string', sqlType: 'CHAR(36)', maxChars: 36, format: 'guid' }),
  col('WaterfrontYN', { kind: 'bool', sqlType: 'TINYINT(1)' }),
  col('BedroomsTotal', { kind: 'int', sqlType: 'TINYINT', min: -128n, max: 127n }),
  col('Big', { kind: 'int', sqlType: 'BIGINT', min: -9223372036854775808n, max: 9223372036854775807n }),
  col('ListPrice', { kind: 'decimal', sqlType: 'DECIMAL(8,2)', precision: 8, scale: 2 }),
  col('Latitude', { kind: 'double', sqlType: 'DOUBLE' }),
  col('CloseDate', { kind: 'date', sqlType: 'DATE' }),
  col('ShowingTime', { kind: 'time', sqlType: 'TIME(6)', fraction: 6 }),
  col('Features', { kind: 'json', sqlType: 'JSON' }),
];
const parentPlan = table('Property', parentColumns, 'ListingKey', 'ModificationTimestamp');

const childPlan = table(
  'PropertyMedia',
  [
    col('MediaKey', { kind: 'string', sqlType: 'VARCHAR(20)', maxChars: 20 }),
    col('Order', { kind: 'int', sqlType: 'INT', min: -2147483648n, max: 2147483647n }),
    col('MediaURL', { kind: 'text', sqlType: 'TEXT', maxChars: 16_383 }),
    col('_resync_parent_key', { kind: 'string', sqlType: 'VARCHAR(12)', maxChars: 12 }),
  ],
  'MediaKey',
  null,
  '_resync_parent_key',
);

const navigations = ['Media', 'Rooms'];
const isNavigation = (name: string) => navigations.includes(name.split('@', 1)[0]!);
const plan = linePlan('ListingKey', parentPlan, navigations, [
  { navigation: 'Media', parentKeyField: '_resync_parent_key', plan: childPlan },
])!;
const compiled = compileLinePlan(plan, 'ListingKey');

/** A deterministic generator, so a failure names a record that can be found again. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A number written as this text in the JSON (JSON.stringify would print it in its own form). */
const raw = (text: string) => `\u0001RAW:${text}\u0001`;
const RAW = /"\\u0001RAW:([^"\\]*)\\u0001"/g;
const rawNumbers = [
  '-0',
  '-0.0',
  '1.50',
  '1e5',
  '1E5',
  '12.0',
  '0.10',
  '1.5e-3',
  '100000000000000000000000',
  '-0.000001',
  '0.0000010',
  '0.0000001',
  '-0.0000005',
  '0.000001',
  '007',
].map(raw);

/** Values of every shape, per column: what the usual path accepts, and what it refuses or changes. */
const anything = [null, undefined, true, false, 0, -0, 1, -1, 'text', '', [], {}, ['a'], { a: 1 }, 1.5, '1', 'true', ...rawNumbers];
const candidates: Record<string, unknown[]> = {
  ListingKey: ['K1', 'K-22', 'abcdefghijkl', 'abcdefghijklm', 1234, 1.5, 'caf\u00e9', 'a"b', ''],
  ModificationTimestamp: [
    '2024-01-02T03:04:05Z',
    '2024-01-02T03:04:05.1Z',
    '2024-01-02T03:04:05.123456789Z',
    '2024-02-29T23:59:59.5Z',
    '2023-02-29T00:00:00Z',
    '2024-01-02T24:00:00Z',
    '2024-01-02T03:04:05+02:00',
    '2024-01-02T03:04:05',
    '2024-01-02T03:04:05.Z',
    '0999-01-01T00:00:00Z',
    '2024-01-02 03:04:05Z',
    '2024-13-02T03:04:05Z',
    '2024-01-02T03:04:05.1234567890Z',
  ],
  City: [
    'Paris',
    'Springfld',
    'caf\u00e9s',
    '\u{1F3E0}\u{1F3E0}\u{1F3E0}\u{1F3E0}\u{1F3E0}',
    'a\tb',
    'tab\\',
    '12345678',
    '123456789',
    12345678,
    123456789,
    1e21,
    0.1,
  ],
  PublicRemarks: [
    'plain words',
    'Tabs\tnew lines\nback\\slashes, "quotes" and \u00e9mojis \u{1F3E0}',
    'nul\u0000 and \r returns',
    '\u2028 line separator',
    'x'.repeat(300),
    'lone \ud800 surrogate',
  ],
  Appliances: [
    ['Dishwasher', 'Range'],
    [],
    ['a', 'b', 'c'],
    ['x'.repeat(19), 'y'],
    ['caf\u00e9'],
    ['a\\b'],
    [1, 2],
    'Dishwasher,Range',
    [null],
  ],
  Oddity: ['text', 42, { a: 1 }, ['x', 1], true],
  ListingGuid: [
    '0f8fad5b-d9cb-469f-a165-70867728950e',
    '0F8FAD5B-D9CB-469F-A165-70867728950E',
    '0f8fad5b-d9cb-469f-a165-70867728950',
    'zf8fad5b-d9cb-469f-a165-70867728950e',
    12,
  ],
  WaterfrontYN: [true, false, 0, 1, 'true', 'false', 'yes', 2],
  BedroomsTotal: [0, 3, -128, 127, 128, -129, 3.0, 3.5, '3', ' 4 ', 1e2, -0],
  Big: [123456789012345, 1234567890123456, -123456789012345, raw('9007199254740993'), '9223372036854775807', 1e15],
  ListPrice: [450000.5, 450000.55, 450000.555, 999999.99, 1000000, 123456.1, 0.01, 0.001, -5, 12.0, 1e5, 1e-7, 450000.5, '1.5'],
  Latitude: [
    47.6062,
    -122.3321,
    0.1,
    0.000001,
    0.0000001,
    1e21,
    123456789012345.6,
    0.1 + 0.2,
    1.0,
    -0.5,
    100,
    5e-324,
    Number.MAX_SAFE_INTEGER,
    '47.6',
  ],
  CloseDate: ['2024-04-30', '2024-02-30', '2024-04-30T00:00:00Z', '0999-12-31', '2024-4-30', 20240430],
  ShowingTime: ['10:30', '10:30:00.1234567', null],
  Features: [['Pool', 'Spa'], [], 'Pool, Spa', [1], ['a"b'], { x: 1 }, ['caf\u00e9']],
};

candidates['CloseTimestamp'] = candidates['ModificationTimestamp']!;
candidates['Stamp0'] = candidates['ModificationTimestamp']!;

function sample<T>(list: T[], next: () => number): T {
  return list[Math.floor(next() * list.length)]!;
}

function makeRecord(next: () => number): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  // Half the records hold values every column takes but one or two: a line then depends on those.
  const nearlyClean = next() < 0.5;
  const odd = new Set([sample(parentColumns, next).field, sample(parentColumns, next).field]);
  for (const c of parentColumns) {
    const roll = next();
    const list = candidates[c.field] ?? ['text'];
    const value =
      nearlyClean && !odd.has(c.field)
        ? roll < 0.2
          ? null
          : roll < 0.3
            ? undefined
            : c.field === 'ShowingTime'
              ? null
              : list[0]
        : roll < 0.05
          ? sample(anything, next)
          : roll < 0.15
            ? null
            : roll < 0.2
              ? undefined
              : sample(list, next);
    if (value !== undefined) record[c.field] = value;
  }
  // Property order varies between records, as it may between feeds.
  if (next() < 0.3) {
    const names = Object.keys(record).reverse();
    const reordered: Record<string, unknown> = {};
    for (const name of names) reordered[name] = record[name];
    Object.assign(record, {});
    for (const name of Object.keys(record)) delete record[name];
    Object.assign(record, reordered);
  }
  if (next() < 0.1) record['@odata.etag'] = 'W/"1"';
  if (next() < 0.05) record['Unknown'] = 'x';
  if (next() < 0.1) record['Rooms@odata.navigationLink'] = 'Rooms';
  const media = next();
  if (media < 0.7) {
    record['Media'] = Array.from({ length: Math.floor(next() * 4) }, (_, i) => {
      const child: Record<string, unknown> = { MediaKey: `M${i}`, Order: i, MediaURL: `https://img.example/${i}.jpg` };
      const odd = next();
      if (odd < 0.05) child['Extra'] = 1;
      else if (odd < 0.1) child['Order'] = 'first';
      else if (odd < 0.15) child['_resync_parent_key'] = 'not mine';
      else if (odd < 0.2) child['@odata.id'] = 'x';
      else if (odd < 0.25) child['MediaURL'] = 'caf\u00e9\n';
      return odd < 0.27 ? 'not an object' : child;
    });
  } else if (media < 0.8) record['Media'] = null;
  else if (media < 0.85) record['Media'] = { MediaKey: 'single', Order: 0 };
  return record;
}

/** The line the usual path writes for one record of `plan`, or undefined when it would reject it or store a named decision. */
function usualLine(
  tablePlan: TablePlan,
  keyField: string,
  record: Record<string, unknown>,
  ignore?: (name: string) => boolean,
): string | undefined {
  const prepared = prepareRows(tablePlan, keyField, [record], ignore ? { ignore } : {});
  if (prepared.rows.length !== 1 || prepared.decisions.length > 0) return undefined;
  return Buffer.concat([...tsvChunks(prepared.rows, [0])]).toString('utf8');
}

interface Written {
  parent: string | undefined;
  children: (string | undefined)[] | undefined;
}

/**
 * What writeRecordLines made of one record's JSON text: read by itself, and from the members the
 * transcoder found (as the JSON thread runs it), which must agree.
 */
function linesOf(text: string): Written {
  const bytes = Buffer.from(`[${text}]`);
  const alone = linesWritten(bytes);
  if (transcodeRecord(bytes, 1, bytes.length - 1, Buffer.alloc(bytes.length * 5 + 64), 0) >= 0) {
    expect(linesWritten(bytes, recordMembers())).toEqual(alone);
  }
  return alone;
}

function linesWritten(bytes: Buffer, members?: Members): Written {
  const sink = { lengths: [] as number[] };
  writeRecordLines(compiled, bytes, 1, bytes.length - 1, sink, members);
  return readLines(sink.lengths);
}

/** The lines taken from json-lines.mjs's buffer, split as `lengths` lists them (one record). */
function readLines(lengths: number[]): Written {
  const lines = takeLines();
  let at = 0;
  const next = (length: number) => {
    if (length < 0) return undefined;
    const line = lines.toString('utf8', at, at + length);
    at += length;
    return line;
  };
  const [parentLength, count, ...childLengths] = lengths;
  const parent = next(parentLength!);
  const children = count! < 0 ? undefined : childLengths.map(next);
  expect(childLengths.length).toBe(Math.max(0, count!));
  expect(at).toBe(lines.length);
  return { parent, children };
}

describe('LOAD DATA lines from JSON', () => {
  it('writes exactly the usual line for every value it takes, and no line where the usual path rejects or decides', () => {
    const next = random(20261207);
    let lined = 0;
    let childLined = 0;
    let unlined = 0;
    for (let n = 0; n < 4000; n++) {
      const record = makeRecord(next);
      const text = (n % 3 === 0 ? JSON.stringify(record, null, n % 2 ? 1 : '\t') : JSON.stringify(record)).replace(RAW, '$1');
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // `007` is no JSON: the transcoder refuses such a record before lines are written.
        continue;
      }
      const written = linesOf(text);
      const expected = usualLine(parentPlan, 'ListingKey', parsed, isNavigation);
      if (written.parent !== undefined) {
        lined++;
        expect({ text, line: written.parent }).toEqual({ text, line: expected });
      } else unlined++;
      // Children: as shapePage hands them over, with the parent's key set over their own.
      const list = parsed['Media'];
      const key = parsed['ListingKey'];
      if (written.children) {
        expect(Array.isArray(list) || list === null).toBe(true);
        const items = (list ?? []) as unknown[];
        expect(written.children).toHaveLength(items.length);
        items.forEach((item, i) => {
          const line = written.children![i];
          if (line === undefined) return;
          childLined++;
          expect(typeof item === 'object' && item !== null).toBe(true);
          const shaped = { ...(item as Record<string, unknown>), _resync_parent_key: String(key) };
          expect({ text, line }).toEqual({ text, line: usualLine(childPlan, 'MediaKey', shaped) });
        });
      }
    }
    // The generator must reach both outcomes often enough for the comparison to mean something.
    expect(lined).toBeGreaterThan(200);
    expect(unlined).toBeGreaterThan(200);
    expect(childLined).toBeGreaterThan(500);
  });

  it('writes a line for a plain record and its children, and none for a record with a property that is no column', () => {
    const record = {
      ListingKey: 'K1',
      ModificationTimestamp: '2024-01-02T03:04:05.5Z',
      City: 'Paris',
      PublicRemarks: 'Tabs\tand "quotes" \u00e9',
      ListPrice: 450000.5,
      WaterfrontYN: true,
      Features: ['Pool', 'Spa'],
      'Media@odata.count': 1,
      Media: [{ MediaKey: 'M1', Order: 0, MediaURL: 'https://img.example/1.jpg' }],
    };
    const written = linesOf(JSON.stringify(record));
    expect(written.parent).toBe(
      'K1\t2024-01-02 03:04:05.500000\t\\N\t\\N\tParis\tTabs\\tand "quotes" \u00e9\t\\N\t\\N\t\\N\t1\t\\N\t\\N\t450000.5\t\\N\t\\N\t\\N\t["Pool","Spa"]\t\\N\n',
    );
    expect(written.children).toEqual(['M1\t0\thttps://img.example/1.jpg\tK1\t\\N\n']);
    expect(linesOf(JSON.stringify({ ...record, Unknown: 1 })).parent).toBeUndefined();
    // Its children do not depend on it.
    expect(linesOf(JSON.stringify({ ...record, Unknown: 1 })).children).toEqual(written.children);
  });

  it('writes no line for a record that is not an object, and keeps the lengths in step', () => {
    expect(linesOf('"text"')).toEqual({ parent: undefined, children: undefined });
    expect(linesOf('[1,2]')).toEqual({ parent: undefined, children: undefined });
    // Cut short (the transcoder refuses such a record first): no line, and no endless scan.
    for (const cut of ['{"ListingKey":"K1","City":"Par', '{"ListingKey":"K1","Media":[{"MediaKey":"m1"}', '{"ListingKey":"K1" "City":1}']) {
      expect(linesOf(cut)).toEqual({ parent: undefined, children: undefined });
    }
  });
});

const bareCompiled = compileLinePlan(
  withBareRecords(plan, {
    keyField: 'ListingKey',
    cursorField: 'ModificationTimestamp',
    children: [{ navigation: 'Media', keyField: 'MediaKey' }],
  }),
  'ListingKey',
);

/** What writeBareRecord made of one record's text: its bare record parsed and its lines, or undefined when it went whole. */
function bareOf(text: string): { bare: unknown; lines: Written } | undefined {
  const bytes = Buffer.from(`[${text}]`);
  const sink = { lengths: [] as number[] };
  const length = writeBareRecord(bareCompiled, bytes, 1, bytes.length - 1, sink);
  if (length < 0) {
    expect(sink.lengths).toEqual([]);
    expect(takeLines()).toHaveLength(0);
    return undefined;
  }
  const bare: unknown = JSON.parse(bareRecord().toString('utf8', 0, length));
  return { bare, lines: readLines(sink.lengths) };
}

/** The bare record of a parsed record: the key, the cursor, the nextLink of its Media, and each Media's key. */
function expectedBare(parsed: Record<string, unknown>): Record<string, unknown> {
  const bare: Record<string, unknown> = {};
  for (const field of ['ListingKey', 'ModificationTimestamp', 'Media@odata.nextLink']) if (field in parsed) bare[field] = parsed[field];
  if ('Media' in parsed) {
    const media = parsed['Media'] as Record<string, unknown>[] | null;
    bare['Media'] = media === null ? null : media.map((m) => ({ MediaKey: m['MediaKey'] }));
  }
  return bare;
}

/** Single-byte edits of a text: each byte dropped, doubled or replaced, at seeded places. */
function mutations(text: string, next: () => number, count: number): string[] {
  const bytes = [...text];
  const swaps = ['"', ':', ',', '{', '}', '[', ']', '\\', 'x', ' ', '0', 'n', '-', '.', 'e', '\u0001', '\n'];
  return Array.from({ length: count }, () => {
    const at = Math.floor(next() * bytes.length);
    const edit = next();
    const copy = [...bytes];
    if (edit < 0.3) copy.splice(at, 1);
    else if (edit < 0.5) copy.splice(at, 0, copy[at]!);
    else copy[at] = swaps[Math.floor(next() * swaps.length)]!;
    return copy.join('');
  });
}

describe('bare records', () => {
  it('go bare only with every line written, holding exactly the fields kept as JSON.parse reads them', () => {
    const next = random(20261208);
    let bare = 0;
    let whole = 0;
    for (let n = 0; n < 3000; n++) {
      const record = makeRecord(next);
      if (next() < 0.2) record['Media@odata.nextLink'] = 'https://mls.example/Property(1)/Media?$skip=5';
      const text = JSON.stringify(record).replace(RAW, '$1');
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        expect(bareOf(text)).toBeUndefined();
        continue;
      }
      const made = bareOf(text);
      if (!made) {
        whole++;
        continue;
      }
      bare++;
      // The same lines as for the record read whole, every one of them written.
      const lines = linesOf(text);
      expect(made.lines).toEqual(lines);
      expect(lines.parent).toBeDefined();
      expect(lines.children?.includes(undefined) ?? false).toBe(false);
      expect(made.bare).toEqual(expectedBare(parsed));
      expect(parsed['ListingKey']).toBeTruthy();
      expect(typeof parsed['ModificationTimestamp']).toBe('string');
    }
    expect(bare).toBeGreaterThan(100);
    expect(whole).toBeGreaterThan(100);
  });

  it('never go bare from text that is not JSON: single-byte edits of records that do', () => {
    const next = random(7);
    let tried = 0;
    let accepted = 0;
    for (let n = 0; n < 1000; n++) {
      const record = makeRecord(next);
      if (next() < 0.3) record['Media@odata.nextLink'] = 'https://mls.example/next';
      if (next() < 0.3) record['@odata.etag'] = 'W/"\\u00e9"';
      const text = JSON.stringify(record).replace(RAW, '$1');
      if (!bareOf(text)) continue;
      for (const edited of mutations(text, next, 40)) {
        tried++;
        const made = bareOf(edited);
        if (!made) continue;
        accepted++;
        // Accepted: it is JSON, and the bare record and lines are what the whole record gives.
        const parsed = JSON.parse(edited) as Record<string, unknown>;
        expect({ edited, bare: made.bare }).toEqual({ edited, bare: expectedBare(parsed) });
        expect(made.lines).toEqual(linesOf(edited));
      }
    }
    expect(tried).toBeGreaterThan(2000);
    // Edits inside values (a letter in a string, a digit) keep many records JSON.
    expect(accepted).toBeGreaterThan(100);
  });

  it('go whole on the grammar faults a scan could skip over, and on missing or blank keys', () => {
    const base = { ListingKey: 'K1', ModificationTimestamp: '2024-01-02T03:04:05Z', City: 'Paris', Media: [{ MediaKey: 'M1', Order: 0 }] };
    const text = JSON.stringify(base);
    expect(bareOf(text)?.bare).toEqual({ ListingKey: 'K1', ModificationTimestamp: '2024-01-02T03:04:05Z', Media: [{ MediaKey: 'M1' }] });
    for (const bad of [
      text.replace('"City":', '"City" '),
      text.replace(',"City"', ' "City"'),
      text.replace('"Paris"', 'nul'),
      text.replace('"Paris"', 'nullx'),
      text.replace('"Order":0', '"Order":007'),
      text.replace('"Order":0', '"Order":-'),
      text.replace('}]}', '},]}'),
      text.replace('}]}', '}],}'),
      text.replace('}]}', '}]}x'),
      text.replace('{"ListingKey"', '{ListingKey'),
      text.replace('"City":"Paris"', '"@odata.etag":"\\x"'),
      text.replace('"City":"Paris"', '"@odata.etag":"a\u0001b"'),
      text.replace('"City":"Paris"', '"@odata.etag":tru'),
      text.replace('"City":"Paris"', '"@odata.etag":{"a":}'),
      text.replace('"City":"Paris"', '"Media@odata.nextLink":[1,]'),
    ]) {
      expect(() => JSON.parse(bad), bad).toThrow();
      expect(bareOf(bad), bad).toBeUndefined();
    }
    // JSON, but not for a bare record: a name twice, a blank or missing key, a child without its key.
    for (const whole of [
      text.replace('"City":"Paris"', '"City":"Paris","City":"Lyon"'),
      JSON.stringify({ ...base, ListingKey: '' }),
      JSON.stringify({ ...base, ListingKey: null }),
      JSON.stringify({ ...base, ModificationTimestamp: undefined }),
      JSON.stringify({ ...base, Media: [{ Order: 1 }] }),
      JSON.stringify({ ...base, Media: [{ MediaKey: null }] }),
      JSON.stringify({ ...base, Media: [1] }),
      JSON.stringify({ ...base, Media: { MediaKey: 'M1' } }),
    ]) {
      expect(() => JSON.parse(whole), whole).not.toThrow();
      expect(bareOf(whole), whole).toBeUndefined();
    }
  });
});
