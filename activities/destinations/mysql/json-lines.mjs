/**
 * LOAD DATA lines written straight from a record's JSON bytes, on the JSON thread
 * (activities/source/json-thread.mjs), for pages that MariaDB's bulk path (bulk-load.ts) inserts.
 * The activity's thread otherwise converts each of a page's 633,000 values into a row
 * (writer.ts) and formats the row as a line (tsvChunks): together a third of its time, for text
 * the JSON already holds in nearly the form LOAD DATA reads.
 *
 * It writes a line only when it is sure the line is exactly what prepareRows and tsvChunks would
 * make of the record, and otherwise writes none, never the other way round: the record then takes
 * the usual path, which has the last word (rejects, widened columns, named decisions, the extra
 * column). Written: null, plain strings that fit their column (strings with escapes or non-ASCII
 * text are decoded by JSON.parse), numbers whose text is what JavaScript prints for them, booleans,
 * plain dates, UTC timestamps, lists of plain strings. Anything else leaves the record without a line:
 * a property that is no column, a value a column would refuse or store by a named rule, a time of day.
 *
 * writeRecordLines reads records the transcoder (json-wire.mjs) accepted: valid JSON, no member
 * name twice. writeBareRecord reads records nothing else has read, for bare records (the plan's
 * `bare`: a record sent as its key, cursor and lines alone, see common/load-lines.ts): it checks
 * the grammar as it reads, and anything it does not accept goes whole, through the transcoder,
 * which has the last word on it. Plain JavaScript, as the thread is. The plan it follows is
 * `LinePlan` (line-plan.ts).
 */
import { Buffer } from 'node:buffer';
// Printable ASCII but the quote and the backslash: what a string may hold to be copied as it is.
import { PLAIN, withLength } from '../../source/json-wire.mjs';

/** Column kinds as small numbers: the switch per value is the hot path. */
const KIND = { text: 0, guid: 1, bool: 2, int: 3, double: 4, decimal: 5, date: 6, datetime: 7, json: 8, other: 9 };

/**
 * How a member of a record is taken (see classify). Column positions are 0 and up; COPY is a
 * skipped member a bare record keeps (an expanded navigation's `@odata.nextLink`); child n is CHILD - n.
 */
const SKIP = -1;
const EXTRA = -2;
const COPY = -3;
const CHILD = -4;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const TAB = 0x09;
const NEWLINE = 0x0a;

/**
 * @typedef {{ field: string, kind: string, maxChars?: number, min?: string, max?: string, fraction?: number,
 *   precision?: number, scale?: number, flags?: boolean, lenient?: boolean, format?: string }} LineColumn
 * @typedef {{ id: string, columns: LineColumn[] }} LineTable
 * @typedef {{ parent: string[], required: string[], children: string[][] }} BareFields
 * @typedef {{ parent: LineTable, navigations: string[], children: { navigation: string, parentKeyField: string, table: LineTable }[],
 *   bare?: BareFields }} LinePlan
 * @typedef {{ kind: number, max: number, min: number, maxChars: number, fraction: number, scale: number,
 *   intDigitsMax: number, flags: boolean }} Column
 * @typedef {{ columns: Column[], names: Map<number, { bytes: Buffer, take: number }[]>, known: number,
 *   classify: (name: string) => number, parentKey: number, order: ReturnType<typeof newOrder> }} Table
 * @typedef {{ name: Buffer, column: number, required: boolean }} BareField
 * @typedef {{ parent: BareField[], children: BareField[][], navigations: Buffer[] }} Bare
 * @typedef {{ parent: Table, keyColumn: number, children: { navigation: string, table: Table }[], bare?: Bare }} Compiled
 */

/** @param {LineColumn} c @returns {Column} */
function compileColumn(c) {
  let kind = KIND.other;
  switch (c.kind) {
    case 'string':
    case 'text':
      kind = c.format === 'guid' ? KIND.guid : c.format ? KIND.other : KIND.text;
      break;
    case 'bool':
    case 'int':
    case 'double':
    case 'decimal':
    case 'date':
    case 'datetime':
    case 'json':
      kind = KIND[c.kind];
      break;
  }
  const scale = c.scale ?? 0;
  return {
    kind,
    min: c.min === undefined ? 0 : Number(c.min),
    max: c.max === undefined ? 0 : Number(c.max),
    maxChars: c.maxChars ?? Number.POSITIVE_INFINITY,
    fraction: c.fraction ?? 6,
    scale,
    intDigitsMax: (c.precision ?? 0) - scale,
    flags: c.flags === true,
  };
}

/** @param {LineTable} table @param {(name: string, column: number | undefined) => number} classify */
function compileTable(table, classify) {
  const positions = new Map(table.columns.map((c, i) => [c.field, i]));
  return {
    columns: table.columns.map(compileColumn),
    names: new Map(),
    known: 0,
    classify: (/** @type {string} */ name) => classify(name, positions.get(name)),
    parentKey: -1,
    order: newOrder(64),
  };
}

/**
 * The member names of the last object a table read, in their order, with how each was taken:
 * records of one feed list their members in the same order, so the k-th name is nearly always the
 * k-th name of the record before, recognised by comparing its bytes as they are scanned.
 * @param {number} members
 * @returns {{ bytes: Uint8Array, starts: Int32Array, lengths: Int32Array, takes: Int32Array, count: number }}
 */
function newOrder(members) {
  return {
    bytes: new Uint8Array(members * 32),
    starts: new Int32Array(members),
    lengths: new Int32Array(members),
    takes: new Int32Array(members),
    count: 0,
  };
}

/**
 * Remembers the name at `[s, e)` as member `m` of the order (the ones after it are forgotten: the
 * next names are read as this record lists them).
 * @param {Table} table @param {number} m @param {number} s @param {number} e @param {number} taken
 */
function remember(table, m, s, e, taken) {
  let order = table.order;
  const from = m > 0 ? order.starts[m - 1] + order.lengths[m - 1] : 0;
  if (m >= order.starts.length || from + (e - s) > order.bytes.length) {
    const larger = newOrder(Math.max(order.starts.length * 2, m + 1));
    if (larger.bytes.length < from + (e - s)) larger.bytes = new Uint8Array((from + (e - s)) * 2);
    larger.bytes.set(order.bytes.subarray(0, from));
    larger.starts.set(order.starts.subarray(0, m));
    larger.lengths.set(order.lengths.subarray(0, m));
    larger.takes.set(order.takes.subarray(0, m));
    table.order = order = larger;
  }
  for (let k = s; k < e; k++) order.bytes[from + k - s] = src[k];
  order.starts[m] = from;
  order.lengths[m] = e - s;
  order.takes[m] = taken;
  order.count = m + 1;
}

/**
 * The plan made ready for records: one name table per line table, filled as names are met.
 * @param {LinePlan} plan @param {string} keyField @returns {Compiled}
 */
export function compileLinePlan(plan, keyField) {
  const navigations = new Set(plan.navigations);
  const childAt = new Map(plan.children.map((c, i) => [c.navigation, i]));
  // As prepareRows reads a parent: a column first, then annotations and navigations (and their
  // annotations) are no field; anything else would go to the extra column.
  const kept = new Set(plan.children.map((c) => `${c.navigation}@odata.nextLink`));
  const parent = compileTable(plan.parent, (name, column) => {
    if (column !== undefined) return column;
    if (name.startsWith('@odata.')) return SKIP;
    const child = childAt.get(name);
    if (child !== undefined) return CHILD - child;
    if (kept.has(name)) return COPY;
    return navigations.has(name.split('@', 1)[0] ?? name) ? SKIP : EXTRA;
  });
  const children = plan.children.map((c) => {
    // A child row is the child's own properties with the parent's key set over them (shape.ts):
    // writeLine writes the key in that column whatever the child holds there.
    const table = compileTable(c.table, (name, column) => {
      if (column !== undefined) return column;
      return name.startsWith('@odata.') ? SKIP : EXTRA;
    });
    table.parentKey = c.table.columns.findIndex((col) => col.field === c.parentKeyField);
    return { navigation: c.navigation, table };
  });
  const keyColumn = plan.parent.columns.findIndex((c) => c.field === keyField);
  const bare = plan.bare && compileBare(plan, plan.bare);
  return { parent, keyColumn, children, ...(bare ? { bare } : {}) };
}

/**
 * Bare records' fields as their columns, each name ready to write; undefined (no bare records)
 * when one is no column: such a field could only be an extra property, which leaves every record
 * without a line anyway.
 * @param {LinePlan} plan @param {BareFields} fields @returns {Bare | undefined}
 */
function compileBare(plan, fields) {
  /** @param {LineTable} table @param {string[]} names @param {Set<string>} required */
  const columns = (table, names, required) => {
    const list = [];
    for (const field of new Set(names)) {
      const column = table.columns.findIndex((c) => c.field === field);
      if (column < 0) return undefined;
      list.push({ name: Buffer.from(`${JSON.stringify(field)}:`), column, required: required.has(field) });
    }
    return list;
  };
  const parent = columns(plan.parent, fields.parent, new Set(fields.required));
  const children = plan.children.map((c, n) => {
    const names = fields.children[n] ?? [];
    return columns(c.table, names, new Set(names.slice(0, 1)));
  });
  if (!parent || children.some((c) => c === undefined)) return undefined;
  return {
    parent,
    children: /** @type {BareField[][]} */ (children),
    navigations: plan.children.map((c) => Buffer.from(`${JSON.stringify(c.navigation)}:`)),
  };
}

// The record being read and the line being written. Module state, as in json-wire.mjs: these
// functions run per value, hundreds of thousands of times a page.
/** @type {Buffer} */
let src = Buffer.alloc(0);
/** @type {Buffer} */
let out = Buffer.alloc(64 * 1024);
let at = 0;

/** @param {number} bytes */
function ensure(bytes) {
  if (at + bytes > out.length) out = withRoom(out, at, bytes);
}

/** A copy of `buffer`'s first `used` bytes with room for `bytes` more (at least twice as large). @param {Buffer} buffer @param {number} used @param {number} bytes */
function withRoom(buffer, used, bytes) {
  const larger = Buffer.allocUnsafe(Math.max(buffer.length * 2, used + bytes));
  buffer.copy(larger, 0, 0, used);
  return larger;
}

/** @param {number} i */
function skipSpace(i) {
  for (;;) {
    const c = src[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** @param {number} c */
function isDigit(c) {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Past the end of the value at `i` (valid JSON: the transcoder read it). For a string, `plainEnd`
 * tells whether it is plain (then it is the index of its closing quote).
 * @param {number} i
 */
function valueEnd(i) {
  const first = src[i];
  if (first === QUOTE) {
    let j = i + 1;
    while (PLAIN[src[j]] === 1) j++;
    plainEnd = src[j] === QUOTE ? j : -1;
    if (plainEnd >= 0) return j + 1;
    for (;;) {
      const c = src[j];
      if (c === QUOTE) return j + 1;
      if (c === undefined) throw new RangeError('unterminated string');
      j += c === BACKSLASH ? 2 : 1;
    }
  }
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    let j = i;
    for (;;) {
      const c = src[j++];
      if (c === undefined) throw new RangeError('unterminated value');
      if (c === QUOTE) {
        for (;;) {
          const d = src[j++];
          if (d === QUOTE) break;
          if (d === undefined) throw new RangeError('unterminated string');
          if (d === BACKSLASH) j++;
        }
      } else if (c === 0x7b || c === 0x5b) depth++;
      else if ((c === 0x7d || c === 0x5d) && --depth === 0) return j;
    }
  }
  let j = i + 1;
  for (;;) {
    const c = src[j];
    if (c === 0x2c || c === 0x7d || c === 0x5d || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === undefined) return j;
    j++;
  }
}
let plainEnd = -1;

/**
 * Whether the number written at `[i, j)` is the text JavaScript prints for its value (String of
 * the Number), which is what the usual path writes: no exponent, no trailing zero after the point,
 * no -0, at most 15 significant digits (any two such texts are different doubles, so none is
 * printed shorter), and not below 10^-6 (printed with an exponent).
 * @param {number} i @param {number} j
 */
function printsAsItself(i, j) {
  let k = i;
  const negative = src[k] === 0x2d;
  if (negative) k++;
  const intStart = k;
  while (k < j && isDigit(src[k])) k++;
  const intEnd = k;
  if (intEnd === intStart || (src[intStart] === 0x30 && intEnd - intStart > 1)) return false;
  const zero = intEnd - intStart === 1 && src[intStart] === 0x30;
  if (k === j) return !(negative && zero) && intEnd - intStart <= 15;
  if (src[k] !== 0x2e) return false;
  const fracStart = ++k;
  while (k < j && isDigit(src[k])) k++;
  if (k !== j || k === fracStart || src[k - 1] === 0x30) return false;
  if (!zero) return intEnd - intStart + (j - fracStart) <= 15;
  let z = fracStart;
  while (src[z] === 0x30) z++;
  return z - fracStart < 6 && j - z <= 15;
}

/** @param {number} start @param {number} end */
function copy(start, end) {
  ensure(end - start);
  if (end - start > 64) {
    at += src.copy(out, at, start, end);
    return;
  }
  for (let k = start; k < end; k++) out[at++] = src[k];
}

/** @param {number} start @param {number} end */
function digitsAt(start, end) {
  let n = 0;
  for (let k = start; k < end; k++) {
    const d = src[k] - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** @param {number} year @param {number} month @param {number} day */
function isCalendarDay(year, month, day) {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  return year >= 1000 && days !== undefined && day >= 1 && day <= days;
}

/** A plain `YYYY-MM-DD` string's content at `[s, e)`, a real calendar day. @param {number} s @param {number} e */
function isPlainDate(s, e) {
  return (
    e - s === 10 &&
    src[s + 4] === 0x2d &&
    src[s + 7] === 0x2d &&
    isCalendarDay(digitsAt(s, s + 4), digitsAt(s + 5, s + 7), digitsAt(s + 8, s + 10))
  );
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.1-9 digits]Z` at `[s, e)` written as DATETIME text with `fraction` digits,
 * as the usual path's fast form writes it; false (nothing written) for any other text.
 * @param {number} s @param {number} e @param {number} fraction
 */
function utcDatetime(s, e, fraction) {
  const length = e - s;
  if (length < 20 || length > 30 || src[e - 1] !== 0x5a) return false;
  if (src[s + 4] !== 0x2d || src[s + 7] !== 0x2d || src[s + 10] !== 0x54 || src[s + 13] !== 0x3a || src[s + 16] !== 0x3a) return false;
  const hour = digitsAt(s + 11, s + 13);
  const minute = digitsAt(s + 14, s + 16);
  const second = digitsAt(s + 17, s + 19);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  if (!isCalendarDay(digitsAt(s, s + 4), digitsAt(s + 5, s + 7), digitsAt(s + 8, s + 10))) return false;
  const digitsEnd = e - 1;
  if (length > 20 && (src[s + 19] !== 0x2e || length < 22 || digitsAt(s + 20, digitsEnd) < 0)) return false;
  ensure(32);
  for (let k = s; k < s + 19; k++) out[at++] = src[k];
  out[at - 9] = 0x20; // the T
  if (fraction > 0) {
    out[at++] = 0x2e;
    for (let d = 0; d < fraction; d++) out[at++] = s + 20 + d < digitsEnd ? src[s + 20 + d] : 0x30;
  }
  return true;
}

/**
 * Whether a number's text at `[i, j)` fits DECIMAL(precision, scale): integer digits (leading zeros
 * aside) and fraction digits (trailing zeros aside) counted as the usual path counts them.
 * @param {number} i @param {number} j @param {Column} col
 */
function decimalFits(i, j, col) {
  let dot = i;
  while (dot < j && src[dot] !== 0x2e) dot++;
  let start = src[i] === 0x2d ? i + 1 : i;
  while (start < dot && src[start] === 0x30) start++;
  if (dot - start > col.intDigitsMax) return false;
  if (dot === j) return true;
  let end = j;
  while (end > dot + 1 && src[end - 1] === 0x30) end--;
  return end - dot - 1 <= col.scale;
}

/** A JSON string's text with LOAD DATA's escapes, as UTF-8. @param {string} text */
function writeEscaped(text) {
  ensure(text.length * 3 + 8);
  if (!/[\\\t\n\r\0]/.test(text)) {
    at += out.write(text, at, 'utf8');
    return;
  }
  at += out.write(
    text.replace(/[\\\t\n\r\0]/g, (c) => ESCAPES[c] ?? c),
    at,
    'utf8',
  );
}
/** @type {Record<string, string>} */
const ESCAPES = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/** Characters in code points, as MySQL counts them. @param {string} text */
function codePoints(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Members of a plain string array at `[i, j)` joined by `separator` (flags: `,`; JSON: `","`,
 * between `["` and `"]`); false, with nothing kept, when a member is not a plain string.
 * Returns the characters written.
 * @param {number} i @param {number} j @param {boolean} json
 */
function stringList(i, j, json) {
  const mark = at;
  let k = skipSpace(i + 1);
  ensure((j - i) * 2 + 8);
  if (json) {
    out[at++] = 0x5b;
  }
  let chars = 0;
  let first = true;
  while (src[k] !== 0x5d) {
    if (src[k] !== QUOTE) return fail(mark);
    const end = valueEnd(k);
    if (plainEnd < 0) return fail(mark);
    if (!first) {
      out[at++] = 0x2c;
      chars++;
    }
    first = false;
    if (json) out[at++] = QUOTE;
    for (let p = k + 1; p < end - 1; p++) out[at++] = src[p];
    if (json) out[at++] = QUOTE;
    chars += end - k - 2;
    k = skipSpace(end);
    if (src[k] === 0x2c) {
      k = skipSpace(k + 1);
      // `["a",]` is no JSON.
      if (src[k] === 0x5d) return fail(mark);
    } else if (src[k] !== 0x5d) return fail(mark);
  }
  if (json) out[at++] = 0x5d;
  return chars;
}

/** @param {number} mark */
function fail(mark) {
  at = mark;
  return -1;
}

/**
 * Writes the value at `[i, j)` as `col` stores it; false when only the usual path may decide.
 * `plain`: the value is known to be a plain string (the scan that found its end saw that).
 * @param {Column} col @param {number} i @param {number} j @param {boolean} plain
 */
function field(col, i, j, plain) {
  const first = src[i];
  // Literals are checked whole: in a bare record (see writeBareRecord) nothing else checks them.
  if (first === 0x6e) {
    if (!isLiteral(i, j, NULL)) return false;
    ensure(2);
    out[at++] = BACKSLASH;
    out[at++] = 0x4e;
    return true;
  }
  switch (col.kind) {
    case KIND.text: {
      if (plain) {
        if (j - i - 2 > col.maxChars) return false;
        copy(i + 1, j - 1);
        return true;
      }
      if (first === QUOTE) {
        // Copied while checking that it is plain (nearly every string is); else decoded.
        const mark = at;
        ensure(j - i);
        let k = i + 1;
        while (k < j - 1 && PLAIN[src[k]] === 1) out[at++] = src[k++];
        if (k === j - 1) {
          if (j - i - 2 <= col.maxChars) return true;
          at = mark;
          return false;
        }
        at = mark;
        const text = JSON.parse(src.toString('utf8', i, j));
        if (text.length > col.maxChars && codePoints(text) > col.maxChars) return false;
        writeEscaped(text);
        return true;
      }
      if (first === 0x74 || first === 0x66 || first === 0x2d || isDigit(first)) {
        const literal = first === 0x74 || first === 0x66;
        if (j - i > col.maxChars || (literal ? !isLiteral(i, j, first === 0x74 ? TRUE : FALSE) : !printsAsItself(i, j))) return false;
        copy(i, j);
        return true;
      }
      if (first === 0x5b && col.flags) {
        const mark = at;
        const chars = stringList(i, j, false);
        if (chars < 0 || chars <= col.maxChars) return chars >= 0;
        at = mark;
      }
      return false;
    }
    case KIND.guid:
      if (first !== QUOTE || j - i !== 38 || !isGuid(i + 1)) return false;
      copy(i + 1, j - 1);
      return true;
    case KIND.bool:
      if (!(first === 0x74 ? isLiteral(i, j, TRUE) : first === 0x66 && isLiteral(i, j, FALSE))) return false;
      ensure(1);
      out[at++] = first === 0x74 ? 0x31 : 0x30;
      return true;
    case KIND.int: {
      if (first !== 0x2d && !isDigit(first)) return false;
      const negative = first === 0x2d;
      const digitsStart = negative ? i + 1 : i;
      const digits = digitsAt(digitsStart, j);
      if (digits < 0 || j - i > (negative ? 16 : 15) || (negative && digits === 0)) return false;
      // No leading zero, and at least one digit: JSON's grammar (what `-` alone or `007` are not).
      if (j === digitsStart || (src[digitsStart] === 0x30 && j - digitsStart > 1)) return false;
      const value = negative ? -digits : digits;
      if (value < col.min || value > col.max) return false;
      copy(i, j);
      return true;
    }
    case KIND.double:
      if ((first !== 0x2d && !isDigit(first)) || !printsAsItself(i, j)) return false;
      copy(i, j);
      return true;
    case KIND.decimal:
      if ((first !== 0x2d && !isDigit(first)) || !printsAsItself(i, j) || !decimalFits(i, j, col)) return false;
      copy(i, j);
      return true;
    case KIND.date:
      if (first !== QUOTE || !isPlainDate(i + 1, j - 1)) return false;
      copy(i + 1, j - 1);
      return true;
    case KIND.datetime:
      // Its checks cover every byte: an escape anywhere fails them.
      return first === QUOTE && utcDatetime(i + 1, j - 1, col.fraction);
    case KIND.json:
      return first === 0x5b && stringList(i, j, true) >= 0;
    default:
      return false;
  }
}

const NULL = Buffer.from('null');
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

/** Whether `[i, j)` is the literal `word`. @param {number} i @param {number} j @param {Buffer} word */
function isLiteral(i, j, word) {
  if (j - i !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (src[i + k] !== word[k]) return false;
  return true;
}

/** Whether the 36 bytes from `s` are 8-4-4-4-12 hex digits. @param {number} s */
function isGuid(s) {
  for (let k = 0; k < 36; k++) {
    const c = src[s + k];
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (c !== 0x2d) return false;
    } else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46))) return false;
  }
  return true;
}

/** Where each column's value lies in the record being read: -1 when it has none. */
let starts = new Int32Array(1024);
let ends = new Int32Array(1024);
/** Per column, 1 when readObject saw that its value is a plain string (readMembers does not tell). */
let plains = new Uint8Array(1024);

/** Member names a table remembers at most: a feed inventing names cannot grow it without bound. */
const MAX_NAMES = 4096;

/**
 * How the member name at `[s, e)` (quotes excluded, plain) is taken by `table`: a column, SKIP, EXTRA
 * or a child. Names are found by a hash of their bytes, and compared byte by byte on a hit.
 * @param {Table} table @param {number} s @param {number} e
 */
function take(table, s, e) {
  let hash = 0;
  for (let k = s; k < e; k++) hash = (Math.imul(hash, 31) + src[k]) | 0;
  const entries = table.names.get(hash);
  if (entries) {
    for (const entry of entries) {
      const bytes = entry.bytes;
      if (bytes.length !== e - s) continue;
      let same = true;
      for (let k = 0; k < bytes.length; k++) {
        if (bytes[k] !== src[s + k]) {
          same = false;
          break;
        }
      }
      if (same) return entry.take;
    }
  }
  const decision = table.classify(src.toString('latin1', s, e));
  if (table.known >= MAX_NAMES) {
    table.names.clear();
    table.known = 0;
  }
  const entry = { bytes: Buffer.from(src.subarray(s, e)), take: decision };
  if (entries) entries.push(entry);
  else table.names.set(hash, [entry]);
  table.known++;
  return decision;
}

/** Marks every column of `table` as having no value yet (starts/ends), with room for them all. @param {Table} table */
function clearColumns(table) {
  const count = table.columns.length;
  if (starts.length < count) {
    starts = new Int32Array(count * 2);
    ends = new Int32Array(count * 2);
    plains = new Uint8Array(count * 2);
  }
  starts.fill(-1, 0, count);
}

/** Where the last object readObject read ends. */
let objectEnd = 0;
/**
 * Whether the record being read must be checked against JSON's grammar as it is read: for a bare
 * record, whose JSON nothing else reads (json-thread.mjs otherwise transcodes every record first,
 * which checks it).
 */
let strict = false;
/** The parent's COPY members, as `[start, end)` pairs from the name's quote to the value's end. */
let copies = new Int32Array(8);
let copyCount = 0;
/** Per child navigation of the plan, where the record's value for it lies: -1 when it has none. */
let childStarts = new Int32Array(4);
let childEnds = new Int32Array(4);

/**
 * Reads the object at `i` for `table`: fills starts/ends per column and, with `children`,
 * childStarts/childEnds per navigation. Returns whether a line can be written (false: a property that
 * is no column, a name with escapes); objectEnd is where the object ends.
 * @param {Table} table @param {number} i @param {boolean} children
 */
function readObject(table, i, children) {
  clearColumns(table);
  let k = skipSpace(i + 1);
  let usable = true;
  if (src[k] === 0x7d) {
    objectEnd = k + 1;
    return usable;
  }
  const order = table.order;
  for (let m = 0; ; m++) {
    if (strict && src[k] !== QUOTE) throw new RangeError('not a member name');
    const memberStart = k;
    // The name the record before had here, if this one is the same (see newOrder).
    let taken = EXTRA;
    let nameEnd = -1;
    if (m < order.count) {
      const expected = order.bytes;
      let p = order.starts[m];
      const last = p + order.lengths[m];
      let q = k + 1;
      while (p < last && src[q] === expected[p]) {
        p++;
        q++;
      }
      if (p === last && src[q] === QUOTE) {
        taken = order.takes[m];
        nameEnd = q + 1;
      }
    }
    if (nameEnd < 0) {
      nameEnd = valueEnd(k);
      if (plainEnd < 0) usable = false;
      else {
        taken = take(table, k + 1, nameEnd - 1);
        remember(table, m, k + 1, nameEnd - 1, taken);
      }
    }
    if (taken === EXTRA) usable = false;
    const colon = skipSpace(nameEnd);
    if (strict && src[colon] !== 0x3a) throw new RangeError('no colon after a member name');
    k = skipSpace(colon + 1);
    const end = valueEnd(k);
    if (taken >= 0) {
      // A name twice: JSON.parse keeps the last value, and the first would go unchecked.
      if (strict && starts[taken] >= 0) usable = false;
      starts[taken] = k;
      ends[taken] = end;
      plains[taken] = src[k] === QUOTE && plainEnd === end - 1 ? 1 : 0;
    } else if (taken <= CHILD) {
      if (children) {
        if (strict && childStarts[CHILD - taken] >= 0) usable = false;
        childStarts[CHILD - taken] = k;
        childEnds[CHILD - taken] = end;
      }
    } else if (strict) {
      checkValue(k, end);
      if (taken === COPY && children) keepCopy(memberStart, end);
    }
    k = skipSpace(end);
    if (src[k] === 0x7d) {
      objectEnd = k + 1;
      return usable;
    }
    // Valid JSON never gets here (the transcoder read it first); anything else ends, without a line.
    if (src[k] !== 0x2c) throw new RangeError('not an object');
    k = skipSpace(k + 1);
  }
}

/**
 * Throws unless `[i, j)` is a JSON value (valueEnd found its end, and checked nothing else): a
 * plain string is; anything else JSON.parse judges. Only values that are no column come here, which
 * are few (annotations), so the parse costs little.
 * @param {number} i @param {number} j
 */
function checkValue(i, j) {
  if (src[i] === QUOTE && plainEnd === j - 1) return;
  JSON.parse(src.toString('utf8', i, j));
}

/** @param {number} start @param {number} end */
function keepCopy(start, end) {
  copies = withLength(copies, 2 * copyCount + 2);
  copies[2 * copyCount] = start;
  copies[2 * copyCount + 1] = end;
  copyCount++;
}

/** Whether the bytes at `[s, e)` are all PLAIN. @param {number} s @param {number} e */
function plainRun(s, e) {
  for (let k = s; k < e; k++) if (PLAIN[src[k]] !== 1) return false;
  return true;
}

/**
 * readObject for an object whose members the transcoder listed (`count` of them in `spans`, four
 * numbers each: see json-wire.mjs's keepMember), without scanning its bytes again.
 * @param {Table} table @param {Int32Array} spans @param {number} count
 */
function readMembers(table, spans, count) {
  clearColumns(table);
  let usable = true;
  for (let m = 0; m < count; m++) {
    const nameStart = spans[4 * m] + 1;
    const nameEnd = spans[4 * m + 1] - 1;
    const order = table.order;
    let taken = EXTRA;
    let known = false;
    if (m < order.count && order.lengths[m] === nameEnd - nameStart) {
      const expected = order.bytes;
      const base = order.starts[m] - nameStart;
      let k = nameStart;
      while (k < nameEnd && src[k] === expected[base + k]) k++;
      if (k === nameEnd) {
        taken = order.takes[m];
        known = true;
      }
    }
    if (!known) {
      if (!plainRun(nameStart, nameEnd)) usable = false;
      else {
        taken = take(table, nameStart, nameEnd);
        remember(table, m, nameStart, nameEnd, taken);
      }
    }
    if (taken >= 0) {
      starts[taken] = spans[4 * m + 2];
      ends[taken] = spans[4 * m + 3];
      plains[taken] = 0;
    } else if (taken === EXTRA) usable = false;
    else if (taken <= CHILD) {
      childStarts[CHILD - taken] = spans[4 * m + 2];
      childEnds[CHILD - taken] = spans[4 * m + 3];
    }
  }
  return usable;
}

/**
 * Writes the line of the object whose columns readObject found, with the parent's key (the bytes
 * at `[keyStart, keyEnd)`) in the table's parent key column. False, with nothing kept, when a value
 * rules it out.
 * @param {Table} table @param {number} keyStart @param {number} keyEnd
 */
function writeLine(table, keyStart, keyEnd) {
  const mark = at;
  const columns = table.columns;
  for (let c = 0; c < columns.length; c++) {
    if (c > 0) {
      ensure(1);
      out[at++] = TAB;
    }
    if (c === table.parentKey) {
      // Only a text column stores the key's text as it is (shape.ts hands children String(key)).
      if (keyStart < 0 || columns[c].kind !== KIND.text || keyEnd - keyStart > columns[c].maxChars) {
        at = mark;
        return false;
      }
      copy(keyStart, keyEnd);
      continue;
    }
    const start = starts[c];
    if (start < 0) {
      ensure(2);
      out[at++] = BACKSLASH;
      out[at++] = 0x4e;
      continue;
    }
    if (!field(columns[c], start, ends[c], plains[c] === 1)) {
      at = mark;
      return false;
    }
  }
  // The extra column: empty, as there is no property left for it.
  ensure(4);
  out[at++] = TAB;
  out[at++] = BACKSLASH;
  out[at++] = 0x4e;
  out[at++] = NEWLINE;
  return true;
}

/**
 * The lines of one record (its JSON at `[start, end)`) appended to `sink`: in `sink.lengths`, the
 * parent line's length (-1: none), then per child navigation of the plan the number of children
 * (-1: not a list this can follow) and each child's line length (-1: none); the lines in
 * `sink.bytes` in the same order.
 * `members`, when given, are where the record's members lie, as the transcoder found them (json-wire.mjs's
 * recordMembers): then the record is not scanned again.
 * @param {Compiled} compiled @param {Buffer} bytes @param {number} start @param {number} end
 * @param {{ lengths: number[] }} sink @param {{ spans: Int32Array, count: number }} [members]
 */
export function writeRecordLines(compiled, bytes, start, end, sink, members) {
  src = bytes;
  strict = false;
  const lengths = sink.lengths;
  const mark = at;
  const listed = lengths.length;
  try {
    recordLines(compiled, start, end, lengths, members, undefined);
  } catch {
    // Whatever went wrong, the record goes without lines: the usual path converts it.
    at = mark;
    lengths.length = listed;
    lengths.push(-1);
    for (let n = 0; n < compiled.children.length; n++) lengths.push(-1);
  } finally {
    src = EMPTY;
  }
}

/**
 * A bare record for the record at `[start, end)`, when the plan asks for them (LinePlan.bare) and its
 * lines stand for all of it: its JSON checked against the grammar as it is read (nothing else will
 * read it), a line for the parent and for every child of each list, and the required fields
 * present. Then its lines are in `sink` as writeRecordLines lists them, and the bare record's JSON
 * (the bare fields, the kept annotations, and per navigation the children's bare fields) is the
 * returned number of bytes of bareRecord(). Otherwise -1, with nothing kept: the record goes whole.
 * @param {Compiled} compiled @param {Buffer} bytes @param {number} start @param {number} end
 * @param {{ lengths: number[] }} sink
 */
export function writeBareRecord(compiled, bytes, start, end, sink) {
  if (!compiled.bare) return -1;
  src = bytes;
  strict = true;
  bareAt = 0;
  const mark = at;
  const listed = sink.lengths.length;
  let complete = false;
  try {
    complete = recordLines(compiled, start, end, sink.lengths, undefined, compiled.bare);
  } catch {
    complete = false;
  } finally {
    src = EMPTY;
    strict = false;
  }
  if (complete) {
    lastBare = { mark, listed };
    return bareAt;
  }
  at = mark;
  sink.lengths.length = listed;
  return -1;
}
/** Where the lines stood before the last bare record's (see undoBareRecord). */
let lastBare = { mark: 0, listed: 0 };

/**
 * Takes back the lines of the bare record writeBareRecord wrote last, when it cannot be sent bare
 * after all: the record then goes whole, with the lines writeRecordLines gives it.
 * @param {{ lengths: number[] }} sink
 */
export function undoBareRecord(sink) {
  at = lastBare.mark;
  sink.lengths.length = lastBare.listed;
}

/** The buffer writeBareRecord wrote its last bare record into (overwritten by the next). */
export function bareRecord() {
  return bareOut;
}

/**
 * writeRecordLines's work; throws on text it cannot read. With `bare` (strict mode), also writes
 * the bare record, and returns at the first thing that keeps it from being one (false); true when
 * every line was written.
 * @param {Compiled} compiled @param {number} start @param {number} end @param {number[]} lengths
 * @param {{ spans: Int32Array, count: number } | undefined} members @param {Bare | undefined} bare
 */
function recordLines(compiled, start, end, lengths, members, bare) {
  const first = skipSpace(start);
  const navigations = compiled.children.length;
  if (src[first] !== 0x7b) {
    // Not an object: shaping refuses it.
    lengths.push(-1);
    for (let n = 0; n < navigations; n++) lengths.push(-1);
    return false;
  }
  if (childStarts.length < navigations) {
    childStarts = new Int32Array(navigations);
    childEnds = new Int32Array(navigations);
  }
  childStarts.fill(-1, 0, navigations);
  copyCount = 0;
  let usable;
  if (members) usable = readMembers(compiled.parent, members.spans, members.count);
  else {
    usable = readObject(compiled.parent, first, true);
    if (objectEnd > end) throw new Error('record read past its end');
    if (strict && skipSpace(objectEnd) < end) throw new Error('more after the record');
  }
  // The parent's key as the children store it (String(key)): its text, when it is a plain string
  // or a number printed as written.
  let keyStart = compiled.keyColumn >= 0 ? starts[compiled.keyColumn] : -1;
  let keyEnd = keyStart >= 0 ? ends[compiled.keyColumn] : -1;
  if (keyStart >= 0 && src[keyStart] === QUOTE && plainRun(keyStart + 1, keyEnd - 1)) {
    keyStart++;
    keyEnd--;
  } else if (keyStart >= 0 && (src[keyStart] === QUOTE || src[keyStart] === 0x6e || !printsAsItself(keyStart, keyEnd))) keyStart = -1;
  const lineStart = at;
  const lined = usable && writeLine(compiled.parent, -1, -1);
  lengths.push(lined ? at - lineStart : -1);
  let complete = lined;
  // The parent's bare fields now: reading the children reuses starts and ends.
  if (bare && !(lined && bareObject(bare.parent, true))) return false;
  for (let n = 0; n < navigations; n++) {
    const table = compiled.children[n].table;
    const span = childStarts[n];
    // A list or null (no children) is followed; a single object or anything else takes the usual path.
    if (span >= 0 && src[span] === 0x6e) {
      if (strict && !isLiteral(span, childEnds[n], NULL)) throw new RangeError('not null');
      lengths.push(0);
      if (bare) bareNavigation(bare.navigations[n], NULL);
      continue;
    }
    if (span < 0 || keyStart < 0 || src[span] !== 0x5b) {
      lengths.push(-1);
      // An absent navigation stays absent in a bare record; any other value needs the record whole.
      if (span >= 0) complete = false;
      if (bare && !complete) return false;
      continue;
    }
    if (bare) bareNavigation(bare.navigations[n], undefined);
    const countAt = lengths.length;
    lengths.push(0);
    let k = skipSpace(span + 1);
    let count = 0;
    while (src[k] !== 0x5d) {
      let length = -1;
      let itemEnd;
      if (src[k] === 0x7b) {
        const childUsable = readObject(table, k, false);
        itemEnd = objectEnd;
        const childStart = at;
        if (childUsable && writeLine(table, keyStart, keyEnd)) length = at - childStart;
      } else itemEnd = valueEnd(k);
      lengths.push(length);
      if (length < 0) complete = false;
      if (bare && !(complete && bareObject(/** @type {BareField[]} */ (bare.children[n]), false))) return false;
      count++;
      k = skipSpace(itemEnd);
      if (src[k] === 0x2c) {
        k = skipSpace(k + 1);
        if (strict && src[k] === 0x5d) throw new RangeError('a comma before the end of a list');
      } else if (src[k] !== 0x5d) throw new RangeError('not a list');
    }
    // The list's closing bracket is where valueEnd said the list ends.
    if (strict && k + 1 !== childEnds[n]) throw new RangeError('not a list');
    lengths[countAt] = count;
    if (bare) putBare(0x5d);
  }
  if (bare) putBare(0x7d);
  return complete;
}

// The bare record being written (see writeBareRecord).
let bareOut = Buffer.alloc(4096);
let bareAt = 0;

/** @param {number} bytes */
function ensureBare(bytes) {
  if (bareAt + bytes > bareOut.length) bareOut = withRoom(bareOut, bareAt, bytes);
}

/** @param {number} byte */
function putBare(byte) {
  ensureBare(1);
  bareOut[bareAt++] = byte;
}

/** @param {Uint8Array} bytes @param {number} start @param {number} end */
function putBareBytes(bytes, start, end) {
  ensureBare(end - start);
  for (let k = start; k < end; k++) bareOut[bareAt++] = bytes[k];
}

/**
 * Writes the bare object of the object just read: its bare fields, and for the parent its kept
 * annotations (the parent's is left open for its navigations; a child's follows a comma unless it
 * is first in its list). False when a required field is missing, null or empty. Values are copied
 * as sent: writeLine checked each one.
 * @param {BareField[]} fields @param {boolean} parent
 */
function bareObject(fields, parent) {
  if (!parent && bareOut[bareAt - 1] !== 0x5b) putBare(0x2c);
  putBare(0x7b);
  let members = 0;
  for (const f of fields) {
    const s = starts[f.column];
    if (s < 0) {
      if (f.required) return false;
      continue;
    }
    const e = ends[f.column];
    if (f.required && (isLiteral(s, e, NULL) || (e - s === 2 && src[s] === QUOTE))) return false;
    if (members++ > 0) putBare(0x2c);
    putBareBytes(f.name, 0, f.name.length);
    putBareBytes(src, s, e);
  }
  if (parent) {
    for (let c = 0; c < copyCount; c++) {
      if (members++ > 0) putBare(0x2c);
      putBareBytes(src, copies[2 * c], copies[2 * c + 1]);
    }
  } else putBare(0x7d);
  return true;
}

/** A navigation's name in the parent's bare object, and `value` or the opening of its list. @param {Buffer} name @param {Buffer | undefined} value */
function bareNavigation(name, value) {
  if (bareOut[bareAt - 1] !== 0x7b) putBare(0x2c);
  putBareBytes(name, 0, name.length);
  if (value) putBareBytes(value, 0, value.length);
  else putBare(0x5b);
}
const EMPTY = Buffer.alloc(0);

/**
 * Forgets lines written and not taken: a body that failed half-way leaves some, which must not be
 * sent with the next body's records.
 */
export function dropLines() {
  at = 0;
}

/** The lines written since the last take, as a buffer of their own; the scratch is kept. */
export function takeLines() {
  const lines = Buffer.allocUnsafeSlow(at);
  out.copy(lines, 0, 0, at);
  at = 0;
  return lines;
}
