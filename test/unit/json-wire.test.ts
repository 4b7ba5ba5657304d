/**
 * Records transcoded from their JSON straight into V8's serialization format on the body thread
 * (activities/source/json-wire.mjs): read back by V8's deserializer, each must be exactly what
 * JSON.parse makes of the same text, and nothing JSON.parse refuses may get through.
 */
import { describe, expect, it } from 'vitest';
import { Deserializer } from 'node:v8';
import { isDeepStrictEqual } from 'node:util';
// @ts-expect-error -- plain JavaScript (the thread imports it), typed by its JSDoc only
import * as untyped from '../../activities/source/json-wire.mjs';

const { EXTRA_BYTES, MAX_EXPANSION, transcodeRecord, transcoderAgrees, WIRE_HEADER } = untyped as {
  EXTRA_BYTES: number;
  MAX_EXPANSION: number;
  transcodeRecord: (bytes: Buffer, start: number, end: number, target: Buffer, offset: number) => number;
  transcoderAgrees: () => boolean;
  WIRE_HEADER: Buffer;
};

/** The record at `bytes[start, end)` through the transcoder and V8's deserializer; undefined when refused. */
function roundTrip(bytes: Buffer, start = 0, end = bytes.length): { value: unknown } | undefined {
  const target = Buffer.alloc(WIRE_HEADER.length + (end - start) * MAX_EXPANSION + EXTRA_BYTES);
  WIRE_HEADER.copy(target);
  const written = transcodeRecord(bytes, start, end, target, WIRE_HEADER.length);
  if (written < 0) return undefined;
  expect(written).toBeLessThanOrEqual(target.length);
  const reader = new Deserializer(target.subarray(0, written));
  reader.readHeader();
  return { value: reader.readValue() };
}

/** Equal as JSON.parse made it: the same values (-0 included), the same members in the same order. */
function expectSameAsParse(text: string, got: unknown): void {
  const parsed: unknown = JSON.parse(text);
  expect(isDeepStrictEqual(got, parsed), text).toBe(true);
  const order = (v: unknown): unknown =>
    v && typeof v === 'object' ? (Array.isArray(v) ? v.map(order) : Object.entries(v).map(([k, x]) => [k, order(x)])) : v;
  expect(order(got), text).toEqual(order(parsed));
}

/** A seeded generator (a linear congruential one): the same values on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

const NAMES = ['ListingKey', 'a', '0', '1', '10', '4294967295', '-1', '01', '__proto__', 'constructor', 'caf\u00e9', 'x"y', '', 'Media'];
const STRINGS = ['', 'plain', 'caf\u00e9', '\u20acuro', '\u2019', '\ud800', '\n', '"q"', '\\', 'a\u0000b', '\u00ff', 'x'.repeat(40)];
const NUMBERS = ['0', '-0', '1', '-1', '1.0', '1e5', '1E+2', '2147483647', '2147483648', '-2147483648', '-2147483649'];
const MORE_NUMBERS = ['9007199254740993', '123456789012345678901234567890', '1e400', '-1e-400', '0.1', '1.5e-7', '0.30000000000000004'];
const NOT_NUMBERS = ['00', '01', '1.', '.5', '-', '+1', '1e', '1e+', '0x1', '--1', 'NaN', 'Infinity'];
const RAW_STRINGS = ['"\\u00e9"', '"\\ud83d\\ude00"', '"\\/"', '"raw \u00e9 \u2019"', '"\\x"', '"\\u12"', '"ctl\u0001"', '"tab\there"'];
const LITERALS = ['true', 'false', 'null', 'nul', 'truex', 'False'];

function generate(next: () => number, depth: number): string {
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)]!;
  const space = () => pick(['', '', '', ' ', '\n', '\t ', '\r\n']);
  const r = next();
  if (depth > 4 || r < 0.35) {
    const kind = next();
    if (kind < 0.25) return JSON.stringify(pick(STRINGS));
    if (kind < 0.35) return pick(RAW_STRINGS);
    if (kind < 0.6) return pick(NUMBERS);
    if (kind < 0.7) return pick(MORE_NUMBERS);
    if (kind < 0.75) return pick(NOT_NUMBERS);
    return pick(LITERALS);
  }
  if (r < 0.7) {
    const members = Array.from(
      { length: Math.floor(next() * 5) },
      () => `${space()}${JSON.stringify(pick(NAMES))}${space()}:${space()}${generate(next, depth + 1)}`,
    );
    return `{${members.join(',')}${space()}${next() < 0.03 ? ',' : ''}}`;
  }
  const length = Math.floor(next() * (next() < 0.05 ? 300 : 5));
  const elements = Array.from({ length }, () => `${space()}${generate(next, depth + 1)}`);
  return `[${elements.join(',')}${space()}]`;
}

describe('records transcoded from JSON into V8 serialization', () => {
  it('read back on this Node as JSON.parse reads the same text', () => {
    expect(transcoderAgrees()).toBe(true);
  });

  it('give exactly what JSON.parse gives, and are refused whenever JSON.parse would refuse them', () => {
    const next = random(20261207);
    let accepted = 0;
    let valid = 0;
    for (let n = 0; n < 30_000; n++) {
      let text = generate(next, 0);
      // One record in ten loses a byte somewhere: usually no longer JSON.
      if (next() < 0.1) {
        const cut = Math.floor(next() * text.length);
        text = text.slice(0, cut) + text.slice(cut + 1);
      }
      let isJson = true;
      try {
        JSON.parse(text);
      } catch {
        isJson = false;
      }
      if (isJson) valid++;
      const got = roundTrip(Buffer.from(text));
      if (!got) continue;
      // Accepting what JSON.parse refuses would let a damaged record through as data.
      expect(isJson, text).toBe(true);
      expectSameAsParse(text, got.value);
      accepted++;
    }
    // Most valid records take the fast way (the rest have repeated names or go to JSON.parse for damage).
    expect(valid).toBeGreaterThan(10_000);
    expect(accepted).toBeGreaterThan(valid * 0.6);
  });

  it('read strings, numbers and names exactly as JSON.parse does', () => {
    const cases = [
      '{"text":"plain","latin1":"caf\u00e9","wide":"\u2019 \ud83d\ude00","escaped":"a\\n\\"b\\"\\\\ \\u00e9 \\ud83d\\ude00 \\ud800"}',
      '[0,-0,1,-1,2147483647,2147483648,-2147483648,-2147483649,0.1,1e21,-1.5e-7,1E400,-1e-400,9007199254740993,1.0,100e-2]',
      '[123456789012345,1234567890123456,12345678901234567890,-999999999999999]',
      '{"0":"a","b":"b","1":"c","4294967295":"not an index","01":"not one either","__proto__":{"x":1},"constructor":null}',
      '{"a":{"b":{"c":[[],{},[{}],""]}}}',
      ' \r\n\t{ "spaced" : [ 1 , 2 ] } \n',
      JSON.stringify({ many: Array.from({ length: 130 }, (_, i) => i), more: Array.from({ length: 20_000 }, (_, i) => `v${i}`) }),
      JSON.stringify(Object.fromEntries(Array.from({ length: 650 }, (_, i) => [`Field${i}`, i % 3 ? `value ${i}` : null]))),
    ];
    for (const text of cases) {
      const got = roundTrip(Buffer.from(text));
      expect(got, text).toBeDefined();
      expectSameAsParse(text, got!.value);
    }
  });

  it('write strings and names of every length, whose length goes before them in one, two or three bytes', () => {
    for (const length of [0, 1, 127, 128, 129, 300, 16_383, 16_384, 100_000]) {
      const plain = 'p'.repeat(length);
      // Copied as they go until an escape or a wide character turns up late in the string.
      const escapedLate = `${plain}\\n\\"`;
      const wideLate = `${plain}\u00e9`;
      const text = `{"${plain}":"${plain}","v":"${escapedLate}","w":"${wideLate}","n${plain}":[${JSON.stringify(plain)},1]}`;
      const got = roundTrip(Buffer.from(text));
      expect(got, `length ${length}`).toBeDefined();
      expectSameAsParse(text, got!.value);
    }
    // A long name repeated is still caught.
    const long = 'n'.repeat(300);
    expect(roundTrip(Buffer.from(`{"${long}":1,"b":2,"${long}":3}`))).toBeUndefined();
  });

  it('decode bytes that are not UTF-8 as JSON.parse of the decoded text does', () => {
    const bytes = Buffer.concat([Buffer.from('{"bad":"a'), Buffer.from([0xc3, 0x28, 0xff, 0xe2, 0x82]), Buffer.from('b"}')]);
    const got = roundTrip(bytes);
    expect(got).toBeDefined();
    expectSameAsParse(bytes.toString('utf8'), got!.value);
  });

  it('leave to JSON.parse a name used twice in one object, deep nesting and a control character', () => {
    // JSON.parse keeps the last of equal names; V8's deserializer would refuse the data.
    expect(roundTrip(Buffer.from('{"a":1,"b":2,"a":3}'))).toBeUndefined();
    expect(roundTrip(Buffer.from('{"x\\u0079":1,"xy":2}'))).toBeUndefined();
    // The same name in different objects is no repeat.
    expect(roundTrip(Buffer.from('{"a":{"a":1},"b":{"a":2}}'))?.value).toEqual({ a: { a: 1 }, b: { a: 2 } });
    expect(roundTrip(Buffer.from(`${'['.repeat(200)}${']'.repeat(200)}`))).toBeUndefined();
    expect(roundTrip(Buffer.from(`${'['.repeat(20)}1${']'.repeat(20)}`))).toBeDefined();
    expect(roundTrip(Buffer.from('{"a":"tab\there"}'))).toBeUndefined();
  });

  it('read only the record: nothing at or past its end counts', () => {
    const bytes = Buffer.from('{"a":1},{"b":2}');
    expect(roundTrip(bytes, 0, 7)?.value).toEqual({ a: 1 });
    expect(roundTrip(bytes, 8, 15)?.value).toEqual({ b: 2 });
    // Cut short, a record is refused even though the bytes after the cut would complete it.
    expect(roundTrip(bytes, 0, 6)).toBeUndefined();
    expect(roundTrip(Buffer.from('{"a":"xy"}'), 0, 8)).toBeUndefined();
    expect(roundTrip(Buffer.from('[12345]'), 0, 4)).toBeUndefined();
  });

  it('refuse a record that does not fit the room it is given, rather than write it short', () => {
    const bytes = Buffer.from(`{"a":"${'x'.repeat(100)}","b":1.5,"c":"caf\u00e9 ${'y'.repeat(100)}"}`);
    for (const room of [10, 60, 110, 115, 130]) {
      const target = Buffer.alloc(room);
      WIRE_HEADER.copy(target);
      expect(transcodeRecord(bytes, 0, bytes.length, target, WIRE_HEADER.length), `room ${room}`).toBe(-1);
    }
    expectSameAsParse(bytes.toString(), roundTrip(bytes)?.value);
  });

  it('refuse an object wider than the names it has room for once, then take the next one', () => {
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`F${i}`, i])));
    expect(roundTrip(Buffer.from(wide))).toBeUndefined();
    expectSameAsParse(wide, roundTrip(Buffer.from(wide))?.value);
  });
});
