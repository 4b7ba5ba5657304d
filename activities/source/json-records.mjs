/**
 * Where the records of an OData collection body lie, found without parsing it: the JSON thread
 * (json-thread.mjs) then takes the records one by one and sends them on in parts, instead of
 * parsing the whole body into one page of objects and cloning that in one message. A page of
 * 1,000 full Property records is 26 MB of text and 40 MB of objects; in parts the thread holds a
 * part's worth at a time, and the activity's thread reads each part while the next is made.
 *
 * Only structure is read (strings, brackets, commas), never values: each record goes through the
 * transcoder (json-wire.mjs), which checks the whole grammar, or JSON.parse, and the rest of the
 * body through JSON.parse, which has the last word on what is valid. Plain JavaScript, as the
 * thread is.
 */
import { Buffer } from 'node:buffer';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
/** The member name, as its bytes appear when written without escapes (as every server writes it). */
const VALUE_NAME = Buffer.from('"value"');

/** @param {number} c */
function isSpace(c) {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** @param {Uint8Array} b @param {number} i */
function skipSpace(b, i) {
  while (i < b.length && isSpace(b[i])) i++;
  return i;
}

/**
 * From an opening quote to just past its closing quote; -1 when the string does not end. Bytes of
 * multi-byte UTF-8 characters are all 0x80 or above, so they never look like a quote or a backslash.
 * @param {Uint8Array} b @param {number} i
 */
function skipString(b, i) {
  const n = b.length;
  i++;
  while (i < n) {
    const c = b[i++];
    if (c === QUOTE) return i;
    if (c === BACKSLASH) i++;
  }
  return -1;
}

/**
 * From the first byte of a JSON value to just past it; -1 when it does not end. Objects and arrays
 * are matched by depth (strings skipped); anything else runs to the next delimiter, and JSON.parse
 * later judges whether it is a number, true, false or null.
 * @param {Uint8Array} b @param {number} i
 */
function skipValue(b, i) {
  const n = b.length;
  const first = b[i];
  if (first === QUOTE) return skipString(b, i);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    while (i < n) {
      const c = b[i];
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) return i;
      i++;
    }
    return i;
  }
  let depth = 0;
  while (i < n) {
    const c = b[i++];
    if (c === QUOTE) {
      // skipString inlined: this loop reads every byte of every record (calling it measured 63-67
      // ms a page against 53-58).
      while (i < n) {
        const d = b[i++];
        if (d === QUOTE) break;
        if (d === BACKSLASH) i++;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return i;
    }
  }
  return -1;
}

/**
 * The top-level `value` array of a JSON object body: the offsets of its `[` and `]`, and of each
 * element as `[start, end)` pairs. Undefined for anything else (not an object, no such member, a
 * `value` written with escapes, two members named `value`, text the scan cannot follow), and the
 * caller then parses the body whole, as before.
 * @param {Uint8Array} b
 * @returns {{ open: number, close: number, spans: number[] } | undefined}
 */
export function collectionSpans(b) {
  let i = skipSpace(b, 0);
  if (b[i] !== OPEN_BRACE) return undefined;
  i = skipSpace(b, i + 1);
  /** @type {{ open: number, close: number, spans: number[] } | undefined} */
  let found;
  let named = false;
  for (;;) {
    if (b[i] !== QUOTE) return undefined;
    const nameStart = i;
    i = skipString(b, i);
    if (i < 0) return undefined;
    const name = valueName(b, nameStart, i);
    // Two members named `value` (JSON.parse keeps the last) are left to the whole parse.
    if (name && named) return undefined;
    named ||= name !== undefined;
    i = skipSpace(b, i);
    if (b[i] !== COLON) return undefined;
    i = skipSpace(b, i + 1);
    if (name === 'plain' && b[i] === OPEN_BRACKET) {
      found = elementSpans(b, i);
      if (!found) return undefined;
      i = found.close + 1;
    } else {
      // A `value` written with escapes, or not an array, leaves nothing found: the whole parse.
      i = skipValue(b, i);
      if (i < 0) return undefined;
    }
    i = skipSpace(b, i);
    if (b[i] === CLOSE_BRACE) return found;
    if (b[i] !== COMMA) return undefined;
    i = skipSpace(b, i + 1);
  }
}

/**
 * Whether the member name between `start` and `end` (its quotes included) is `value`: `plain`
 * when written as is, `escaped` when only its unescaped text is; undefined for any other name.
 * @param {Uint8Array} b @param {number} start @param {number} end
 * @returns {'plain' | 'escaped' | undefined}
 */
function valueName(b, start, end) {
  const name = b.subarray(start, end);
  if (Buffer.compare(VALUE_NAME, name) === 0) return 'plain';
  if (!name.includes(BACKSLASH)) return undefined;
  try {
    return JSON.parse(Buffer.from(name.buffer, name.byteOffset, name.length).toString('utf8')) === 'value' ? 'escaped' : undefined;
  } catch {
    // The whole parse reports it.
    return undefined;
  }
}

/** @param {Uint8Array} b @param {number} open the array's `[` */
function elementSpans(b, open) {
  /** @type {number[]} */
  const spans = [];
  let i = skipSpace(b, open + 1);
  if (b[i] === CLOSE_BRACKET) return { open, close: i, spans };
  for (;;) {
    const start = i;
    i = skipValue(b, i);
    if (i < 0 || i === start) return undefined;
    spans.push(start, i);
    i = skipSpace(b, i);
    if (b[i] === CLOSE_BRACKET) return { open, close: i, spans };
    if (b[i] !== COMMA) return undefined;
    i = skipSpace(b, i + 1);
  }
}
