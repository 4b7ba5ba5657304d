/**
 * A record's JSON written straight into V8's serialization format (what `v8.Deserializer` and
 * structured clone read), without making it into objects first. The JSON thread (json-thread.mjs)
 * used to parse each record and then clone it to the activity's thread: for a page of 1,000 full
 * Property records, 295 ms of JSON.parse building 650-property objects (which V8 keeps as
 * dictionaries, as it does any object parsed with more than 127 properties) and 147 ms of
 * serializing them, because dictionaries take the serializer's slow path, plus the collections of
 * all those objects. Transcoding the bytes costs half of that or less and makes no garbage; the activity's
 * thread deserializes the result exactly as before.
 *
 * It accepts only what it fully understands and refuses the rest (returns -1), never the other way
 * round: the caller then parses that record with JSON.parse, which has the last word on what is
 * valid and what it means. Refused: anything that is not JSON by the grammar, a member name used
 * twice in one object (JSON.parse keeps the last; the deserializer would refuse the data), nesting
 * deeper than MAX_DEPTH. Strings with escapes or non-ASCII characters are decoded by JSON.parse
 * itself, one string at a time.
 *
 * The output is version 15 of the format (Node 20's V8) and only uses tags every later version still
 * reads: V8 reads data of older versions for good, as browsers keep it in IndexedDB. Plain
 * JavaScript, as the thread is.
 */
import { Buffer } from 'node:buffer';
import { Deserializer } from 'node:v8';
import { isDeepStrictEqual } from 'node:util';

/** The format's header: kVersion, then version 15. */
export const WIRE_HEADER = Buffer.from([0xff, 0x0f]);

/** Serialization tags (V8's value-serializer.cc). */
const TAG = {
  null: 0x30, // '0'
  true: 0x54, // 'T'
  false: 0x46, // 'F'
  int32: 0x49, // 'I', zigzag varint
  double: 0x4e, // 'N', 8 bytes little-endian
  oneByteString: 0x22, // '"', varint length, Latin-1 bytes
  twoByteString: 0x63, // 'c', varint length in bytes, UTF-16LE
  padding: 0x00,
  beginObject: 0x6f, // 'o'
  endObject: 0x7b, // '{', varint properties
  beginDenseArray: 0x41, // 'A', varint length
  endDenseArray: 0x24, // '$', varint properties (0), varint length
};

/** Deeper than this, the record goes to JSON.parse (which has its own, much larger, limit). */
const MAX_DEPTH = 64;

/**
 * The most bytes a record's JSON can take in this format, per byte of JSON, with room to spare:
 * `-0` (2 bytes) is a double (9), `[]` (2) an empty array (5).
 */
export const MAX_EXPANSION = 5;
export const EXTRA_BYTES = 64;

const EMPTY = Buffer.alloc(0);

// The record being transcoded. Module state, not arguments: these functions call each other per
// value, millions of times a page.
/** @type {Buffer} */
let src = EMPTY;
/** Where the record ends: nothing at or past it is read as part of the record. */
let limit = 0;
/** @type {Buffer} */
let out = EMPTY;
let at = 0;
/** The last member name's hash (over its UTF-16 code units), for the duplicate check. */
let nameHash = 0;

/** @param {number} n */
function writeVarint(n) {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[at++] = n;
}

/** @param {number} n */
function varintBytes(n) {
  let bytes = 1;
  while (n >= 0x80) {
    n >>>= 7;
    bytes++;
  }
  return bytes;
}

/**
 * Writes `length` as a varint into the byte kept for it at `lengthAt`, before what was written
 * since: one byte covers lengths below 128; a longer one moves those bytes up to make room.
 * @param {number} lengthAt @param {number} length
 */
function writeLengthAt(lengthAt, length) {
  if (length < 0x80) {
    out[lengthAt] = length;
    return;
  }
  const more = varintBytes(length) - 1;
  out.copyWithin(lengthAt + 1 + more, lengthAt + 1, at);
  const end = at + more;
  at = lengthAt;
  writeVarint(length);
  at = end;
}

/** @param {number} i */
function skipSpace(i) {
  for (;;) {
    const c = src[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/**
 * A JavaScript string as V8 writes one: Latin-1 when every code unit fits in a byte, else UTF-16
 * (aligned to two bytes, as V8 aligns it).
 * @param {string} s
 */
function writeString(s) {
  let hash = 0;
  let wide = false;
  for (let k = 0; k < s.length; k++) {
    const unit = s.charCodeAt(k);
    hash = (Math.imul(hash, 31) + unit) | 0;
    if (unit > 0xff) wide = true;
  }
  nameHash = hash;
  // Past the room the caller made (which cannot happen, see MAX_EXPANSION), the record is refused
  // rather than written short: Buffer.write would cut the text silently.
  if (at + s.length * 2 + 16 > out.length) {
    at = out.length + 1;
    return;
  }
  if (!wide) {
    out[at++] = TAG.oneByteString;
    writeVarint(s.length);
    at += out.write(s, at, 'latin1');
    return;
  }
  const bytes = s.length * 2;
  if ((at + 1 + varintBytes(bytes)) & 1) out[at++] = TAG.padding;
  out[at++] = TAG.twoByteString;
  writeVarint(bytes);
  at += out.write(s, at, 'utf16le');
}

/**
 * Bytes a string copies as they are: printable ASCII but the quote and the backslash. Anything else
 * (the closing quote, an escape, a control character, a byte of a multi-byte character) stops the
 * copy; one table lookup per byte instead of four comparisons.
 */
export const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === 0x22 || c === 0x5c ? 0 : 1;

/**
 * The string whose opening quote is at `i`; returns the index past its closing quote, or -1.
 * Printable ASCII without escapes (nearly every string of a record) is copied in the same pass that
 * looks for its end, its length written before it afterwards (one byte kept for it; the bytes move up
 * in the rare string of 128 or more); anything else is decoded by JSON.parse. A member name's hash
 * (`name`) is taken on the way, for the duplicate check; values need none.
 * @param {number} i @param {boolean} name
 */
function string(i, name) {
  const tagAt = at;
  out[at++] = TAG.oneByteString;
  const lengthAt = at++;
  let j = i + 1;
  let hash = 0;
  let c = 0;
  // Two copies of the loop: hashing every value's bytes too measured 5-7% slower over a page.
  if (name) {
    while (j < limit && PLAIN[(c = src[j])] === 1) {
      hash = (Math.imul(hash, 31) + c) | 0;
      out[at++] = c;
      j++;
    }
  } else {
    while (j < limit && PLAIN[(c = src[j])] === 1) {
      out[at++] = c;
      j++;
    }
  }
  if (j >= limit) return -1;
  if (c !== 0x22) {
    at = tagAt;
    return decodedString(i, j);
  }
  writeLengthAt(lengthAt, j - i - 1);
  nameHash = hash;
  return j + 1;
}

/**
 * The rest of a string that holds an escape or a byte outside printable ASCII, from `j` (its first
 * such byte) to its closing quote, decoded with JSON.parse from its opening quote at `i`.
 * @param {number} i @param {number} j
 */
function decodedString(i, j) {
  for (;;) {
    if (j >= limit) return -1;
    const c = src[j];
    if (c === 0x22) break;
    if (c === 0x5c) j += 2;
    else if (c < 0x20) return -1;
    else j++;
  }
  let decoded;
  try {
    decoded = JSON.parse(src.toString('utf8', i, j + 1));
  } catch {
    return -1;
  }
  writeString(decoded);
  return j + 1;
}

/** @param {number} c */
function isDigit(c) {
  return c >= 0x30 && c <= 0x39;
}

/**
 * The number starting at `i` (JSON's grammar: no leading zeros, no `+`, digits after `.` and `e`);
 * returns the index past it, or -1. Its value is what Number() makes of the text, as JSON.parse's is.
 * @param {number} i
 */
function number(i) {
  let j = i;
  const negative = src[j] === 0x2d;
  if (negative) j++;
  let c = src[j];
  // Short integers are summed digit by digit (exact below 2^53); the rest go through Number().
  let value = 0;
  if (c === 0x30) c = src[++j];
  else if (c !== undefined && c >= 0x31 && c <= 0x39) {
    do {
      value = value * 10 + (c - 0x30);
      c = src[++j];
    } while (c !== undefined && isDigit(c));
  } else return -1;
  let integer = j - i <= 15;
  if (c === 0x2e) {
    integer = false;
    c = src[++j];
    if (c === undefined || !isDigit(c)) return -1;
    do c = src[++j];
    while (c !== undefined && isDigit(c));
  }
  if (c === 0x65 || c === 0x45) {
    integer = false;
    c = src[++j];
    if (c === 0x2b || c === 0x2d) c = src[++j];
    if (c === undefined || !isDigit(c)) return -1;
    do c = src[++j];
    while (c !== undefined && isDigit(c));
  }
  if (j > limit) return -1;
  if (!integer) value = Number(src.toString('latin1', i, j));
  else if (negative) value = -value;
  if (value === (value | 0) && !Object.is(value, -0)) {
    out[at++] = TAG.int32;
    writeVarint(((value << 1) ^ (value >> 31)) >>> 0);
  } else {
    out[at++] = TAG.double;
    at = out.writeDoubleLE(value, at);
  }
  return j;
}

/** @param {number} i @param {number} depth */
function value(i, depth) {
  switch (src[i]) {
    case 0x22:
      return string(i, false);
    case 0x7b:
      return object(i, depth);
    case 0x5b:
      return array(i, depth);
    case 0x6e: // null
      if (src[i + 1] !== 0x75 || src[i + 2] !== 0x6c || src[i + 3] !== 0x6c) return -1;
      out[at++] = TAG.null;
      return i + 4;
    case 0x74: // true
      if (src[i + 1] !== 0x72 || src[i + 2] !== 0x75 || src[i + 3] !== 0x65) return -1;
      out[at++] = TAG.true;
      return i + 4;
    case 0x66: // false
      if (src[i + 1] !== 0x61 || src[i + 2] !== 0x6c || src[i + 3] !== 0x73 || src[i + 4] !== 0x65) return -1;
      out[at++] = TAG.false;
      return i + 5;
    default:
      return number(i);
  }
}

/**
 * Per depth, a hash set of the member names of the object open at that depth: open addressing,
 * an entry counting only when its stamp is the object's own serial number, so nothing is cleared
 * between objects. A repeated hash counts as a repeated name (a rare collision only sends the record
 * to JSON.parse).
 * @type {{ hashes: Int32Array, stamps: Int32Array }[]}
 */
const nameSets = [];
let serial = 0;

/** Slots of a new set: room for 1,024 names, more than a full DD 2.0 Property has (about 650). */
const FIRST_SET_SIZE = 2048;

/**
 * The set for an object at `depth`, with room for twice `names` (probes stay short).
 * @param {number} depth @param {number} names
 */
function nameSet(depth, names) {
  let set = nameSets[depth];
  if (!set || set.hashes.length < names * 2) {
    let size = FIRST_SET_SIZE;
    while (size < names * 2) size *= 2;
    set = { hashes: new Int32Array(size), stamps: new Int32Array(size) };
    nameSets[depth] = set;
  }
  return set;
}

/** A serial number for the next object; stamps are cleared before the numbers would wrap. */
function nextSerial() {
  if (serial === 0x7fffffff) {
    for (const set of nameSets) set?.stamps.fill(0);
    serial = 0;
  }
  return ++serial;
}

/**
 * The members of the record's own object, four numbers each (where its name's quotes start and end,
 * and where its value starts and ends), kept as the transcoder passes them: whoever reads the record
 * again (json-lines.mjs) finds them without a scan of its own.
 */
let memberSpans = new Int32Array(4 * 1024);
let memberCount = 0;

/**
 * `spans` itself when it holds `length` numbers, else a copy twice as large (or more): for lists of
 * spans that grow with the records read.
 * @param {Int32Array} spans @param {number} length
 */
export function withLength(spans, length) {
  if (length <= spans.length) return spans;
  const larger = new Int32Array(Math.max(spans.length * 2, length));
  larger.set(spans);
  return larger;
}

/** @param {number} m @param {number} nameStart @param {number} nameEnd @param {number} valueStart @param {number} valueEnd */
function keepMember(m, nameStart, nameEnd, valueStart, valueEnd) {
  if (4 * m + 4 > memberSpans.length) memberSpans = withLength(memberSpans, 4 * m + 4);
  memberSpans[4 * m] = nameStart;
  memberSpans[4 * m + 1] = nameEnd;
  memberSpans[4 * m + 2] = valueStart;
  memberSpans[4 * m + 3] = valueEnd;
  memberCount = m + 1;
}

/**
 * The members of the record transcodeRecord last accepted (see keepMember): `count` of them in
 * `spans`, which the next record overwrites.
 */
export function recordMembers() {
  return { spans: memberSpans, count: memberCount };
}

/** @param {number} i @param {number} depth */
function object(i, depth) {
  if (depth >= MAX_DEPTH) return -1;
  out[at++] = TAG.beginObject;
  i = skipSpace(i + 1);
  let members = 0;
  if (src[i] !== 0x7d) {
    const id = nextSerial();
    const set = nameSet(depth, 0);
    for (;;) {
      if (src[i] !== 0x22) return -1;
      const nameStart = i;
      i = string(i, true);
      if (i < 0) return -1;
      // An object wider than the set goes to JSON.parse, and the next one finds a set four times
      // larger (its entries could not move: they are stamped, not listed).
      if ((members + 1) * 2 > set.hashes.length) {
        nameSet(depth, (members + 1) * 4);
        return -1;
      }
      const mask = set.hashes.length - 1;
      let slot = (nameHash ^ (nameHash >>> 15)) & mask;
      while (set.stamps[slot] === id) {
        if (set.hashes[slot] === nameHash) return -1;
        slot = (slot + 1) & mask;
      }
      set.stamps[slot] = id;
      set.hashes[slot] = nameHash;
      const nameEnd = i;
      i = skipSpace(i);
      if (src[i] !== 0x3a) return -1;
      const valueStart = skipSpace(i + 1);
      i = value(valueStart, depth + 1);
      if (i < 0) return -1;
      if (depth === 0) keepMember(members, nameStart, nameEnd, valueStart, i);
      members++;
      i = skipSpace(i);
      const c = src[i];
      if (c === 0x2c) i = skipSpace(i + 1);
      else if (c === 0x7d) break;
      else return -1;
    }
  }
  out[at++] = TAG.endObject;
  writeVarint(members);
  return i + 1;
}

/** @param {number} i @param {number} depth */
function array(i, depth) {
  if (depth >= MAX_DEPTH) return -1;
  out[at++] = TAG.beginDenseArray;
  // The length comes before the elements: one byte is kept for it (see writeLengthAt).
  const lengthAt = at++;
  i = skipSpace(i + 1);
  let length = 0;
  if (src[i] !== 0x5d) {
    for (;;) {
      i = value(i, depth + 1);
      if (i < 0) return -1;
      length++;
      i = skipSpace(i);
      const c = src[i];
      if (c === 0x2c) i = skipSpace(i + 1);
      else if (c === 0x5d) break;
      else return -1;
    }
  }
  writeLengthAt(lengthAt, length);
  out[at++] = TAG.endDenseArray;
  out[at++] = 0;
  writeVarint(length);
  return i + 1;
}

/**
 * Writes the JSON value at `bytes[start, end)` (one record, surrounding whitespace allowed) into
 * `target` from `offset`, which must have room for MAX_EXPANSION × its length + EXTRA_BYTES.
 * Returns where the written value ends, or -1 when the record must go to JSON.parse instead
 * (then what was written past `offset` means nothing).
 * @param {Buffer} bytes @param {number} start @param {number} end @param {Buffer} target @param {number} offset
 */
export function transcodeRecord(bytes, start, end, target, offset) {
  src = bytes;
  limit = end;
  out = target;
  at = offset;
  memberCount = 0;
  try {
    const i = value(skipSpace(start), 0);
    // Writes past the end of a typed array are dropped without an error: a record that needed more
    // room than it was given is refused, never sent short.
    return i >= 0 && skipSpace(i) === end && at <= out.length ? at : -1;
  } catch (err) {
    // writeDoubleLE past the end: refused, as above.
    if (err instanceof RangeError) return -1;
    throw err;
  } finally {
    // Not kept alive by this module between records.
    src = out = EMPTY;
  }
}

/**
 * Whether this process's V8 reads the transcoder's output as JSON.parse reads the same text: checked
 * once per thread on a sample holding every tag written, so a Node whose V8 stopped reading version
 * 15 the same way makes the thread parse records instead, slower but as correct.
 */
export function transcoderAgrees() {
  const many = Array.from({ length: 200 }, (_, k) => k).join(',');
  const sample = Buffer.from(
    `{"text":"plain","latin1":"caf\u00e9","escapedWide":"\\u2019\\u00e9","wide":"\u2019 \ud83d\ude00 ’","escaped":"a\\n\\"b\\"",` +
      `"numbers":[0,-0,1,-1,2147483647,-2147483648,2147483648,0.1,1e21,-1.5e-7,1E400],"literals":[true,false,null],` +
      `"nested":{"empty":{},"list":[],"0":"index","many":[${many}]}}`,
  );
  const target = Buffer.alloc(WIRE_HEADER.length + sample.length * MAX_EXPANSION + EXTRA_BYTES);
  WIRE_HEADER.copy(target);
  try {
    const end = transcodeRecord(sample, 0, sample.length, target, WIRE_HEADER.length);
    if (end < 0) return false;
    const reader = new Deserializer(target.subarray(0, end));
    reader.readHeader();
    return isDeepStrictEqual(reader.readValue(), JSON.parse(sample.toString('utf8')));
  } catch {
    return false;
  }
}
