/**
 * Where the records of an OData collection body lie, found without parsing it: the JSON thread
 * (json-thread.mjs) then parses the records one by one and sends them on in parts, instead of
 * parsing the whole body into one page of objects and cloning that in one message. A page of
 * 1,000 full Property records is 26 MB of text and 40 MB of objects; in parts the thread holds a
 * part's worth at a time, and the activity's thread reads each part while the next is parsed.
 *
 * Only structure is read (strings, brackets, commas), never values: each record and the rest of
 * the body still go through JSON.parse, which has the last word on what is valid. Plain
 * JavaScript, as the thread is.
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
      // Inlined skipString: this loop reads every byte of every record.
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
 * member name written with escapes, text the scan cannot follow), and the caller then parses the
 * body whole, as before.
 * @param {Uint8Array} b
 * @returns {{ open: number, close: number, spans: number[] } | undefined}
 */
export function collectionSpans(b) {
  let i = skipSpace(b, 0);
  if (b[i] !== OPEN_BRACE) return undefined;
  i = skipSpace(b, i + 1);
  while (i < b.length && b[i] === QUOTE) {
    const nameStart = i;
    i = skipString(b, i);
    if (i < 0) return undefined;
    const isValue = i - nameStart === VALUE_NAME.length && Buffer.compare(VALUE_NAME, b.subarray(nameStart, i)) === 0;
    i = skipSpace(b, i);
    if (b[i] !== COLON) return undefined;
    i = skipSpace(b, i + 1);
    if (isValue && b[i] === OPEN_BRACKET) {
      const found = elementSpans(b, i);
      return found && !valueFollows(b, found.close + 1) ? found : undefined;
    }
    i = skipValue(b, i);
    if (i < 0) return undefined;
    i = skipSpace(b, i);
    if (b[i] !== COMMA) return undefined;
    i = skipSpace(b, i + 1);
  }
  return undefined;
}

/**
 * Whether a later member of the body's object is named `value` too (however its name is
 * escaped), or the rest cannot be followed: JSON.parse keeps the last of equal names, so the
 * array found would not be the body's `value`. `i` is just past the array's `]`.
 * @param {Uint8Array} b @param {number} i
 */
function valueFollows(b, i) {
  for (;;) {
    i = skipSpace(b, i);
    if (b[i] === CLOSE_BRACE) return false;
    if (b[i] !== COMMA) return true;
    i = skipSpace(b, i + 1);
    if (b[i] !== QUOTE) return true;
    const nameStart = i;
    i = skipString(b, i);
    if (i < 0) return true;
    try {
      if (JSON.parse(Buffer.from(b.buffer, b.byteOffset + nameStart, i - nameStart).toString('utf8')) === 'value') return true;
    } catch {
      return true;
    }
    i = skipSpace(b, i);
    if (b[i] !== COLON) return true;
    i = skipValue(b, skipSpace(b, i + 1));
    if (i < 0) return true;
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
