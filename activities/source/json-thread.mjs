/**
 * The JSON thread (see body-thread.ts): decompresses and parses MLS response bodies so the
 * activity's thread can go on converting and writing the previous page meanwhile. Plain
 * JavaScript, so it starts the same under tsx, vitest and the built CLI. One message per body:
 * `{ id, body, encoding, json, hint, keep }` in; out `{ id, value, bytes }` (the parsed JSON, or the
 * text when `json` is false, and the decompressed size; with `keep`, and `body` moved back) or
 * `{ id, error }`. With `hint`, a
 * `{ id, nextLink }` may go out first: the collection's `@odata.nextLink` read off the
 * decompressed bytes before the parse (see findNextLink). A collection's records go before the
 * answer, in parts (see sendInParts).
 */
import { Buffer } from 'node:buffer';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { collectionSpans } from './json-records.mjs';
import { EXTRA_BYTES, MAX_EXPANSION, recordMembers, transcodeRecord, transcoderAgrees, WIRE_HEADER } from './json-wire.mjs';
import {
  bareRecord,
  compileLinePlan,
  dropLines,
  takeLines,
  undoBareRecord,
  writeBareRecord,
  writeRecordLines,
} from '../destinations/mysql/json-lines.mjs';

/** @param {Uint8Array} body @param {string | undefined} encoding @returns {Buffer} */
function decompress(body, encoding) {
  const data = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  switch ((encoding ?? 'identity').trim().toLowerCase()) {
    case 'identity':
    case '':
      return data;
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(data, { chunkSize: gzipOutputChunk(data) });
    case 'deflate':
      // Some servers send raw deflate under this name instead of zlib-wrapped data.
      try {
        return inflateSync(data);
      } catch {
        return inflateRawSync(data);
      }
    case 'br':
      return brotliDecompressSync(data);
    default:
      throw Object.assign(new Error(`Content-Encoding ${encoding} is not supported`), { kind: 'encoding' });
  }
}

/** zlib's own output chunk, and the most a deflate stream can expand (about 1,032 to 1). */
const DEFAULT_CHUNK = 16 * 1024;
const MAX_DEFLATE_RATIO = 1032;
const MAX_CHUNK = 1024 * 1024 * 1024;
/**
 * How many times its compressed size a body is taken to be when its trailer cannot tell: JSON
 * records gzipped each on its own (a simulated Trestle page) come to about 3 times, a page
 * gzipped whole to 10 or more.
 */
const GUESSED_RATIO = 8;

/**
 * The output chunk for gunzipping `data` whole. zlib writes into one buffer of this size, which it
 * returns as is when the output fits, instead of 16 KB chunks joined into a second copy at the end:
 * a 26 MB page took 52 MB on its way out, and its 1,600 small chunks fragmented malloc's heap,
 * which then held 60-70 MB more. One byte more than the size the trailer gives (ISIZE, the
 * last member's length mod 2^32) when that can be the whole output; a body of several gzip members
 * (which some servers send, one per record) gives only its last member's, and then the chunk is a
 * guess of GUESSED_RATIO times the body: memory that the output never reaches is reserved, never
 * touched. Bounded by what deflate can expand to, so a lying trailer cannot ask for more than that.
 * @param {Buffer} data @returns {number}
 */
export function gzipOutputChunk(data) {
  if (data.length < 18) return DEFAULT_CHUNK;
  const size = data.readUInt32LE(data.length - 4);
  const expected = size >= data.length ? size + 1 : data.length * GUESSED_RATIO;
  return Math.max(DEFAULT_CHUNK, Math.min(expected, data.length * MAX_DEFLATE_RATIO, MAX_CHUNK));
}

const NEXT_LINK_KEY = Buffer.from('"@odata.nextLink"');
/** Where a collection's own annotations are: before `value` or after it (servers do both). */
const ANNOTATION_WINDOW = 64 * 1024;

/**
 * The `@odata.nextLink` of a collection body, found in its first or last 64 KB without parsing
 * the rest. The key can only match as a member name: inside a JSON string its quotes would be
 * escaped, and an expanded navigation's link is `<Navigation>@odata.nextLink`. It is a hint
 * (the caller checks it against the parsed body), so a miss or an odd body just gives none.
 * @param {Buffer} data @returns {string | undefined}
 */
export function findNextLink(data) {
  const head = data.subarray(0, ANNOTATION_WINDOW).indexOf(NEXT_LINK_KEY);
  const tailStart = Math.max(0, data.length - ANNOTATION_WINDOW);
  const tail = head >= 0 ? -1 : data.subarray(tailStart).lastIndexOf(NEXT_LINK_KEY);
  const at = head >= 0 ? head : tail >= 0 ? tailStart + tail : -1;
  if (at < 0) return undefined;
  const rest = data.subarray(at + NEXT_LINK_KEY.length, at + NEXT_LINK_KEY.length + ANNOTATION_WINDOW).toString('utf8');
  const literal = /^\s*:\s*("(?:[^"\\]|\\.)*")/.exec(rest)?.[1];
  if (!literal) return undefined;
  try {
    const link = JSON.parse(literal);
    return typeof link === 'string' && link !== '' ? link : undefined;
  } catch {
    return undefined;
  }
}

// `gc` exists only when exposed; a context created after the flag is set carries it.
setFlagsFromString('--expose-gc');
const collect = /** @type {(options: { type: 'minor' }) => void} */ (runInNewContext('gc'));

parentPort?.on('message', (/** @type {BodyMessage} */ message) => {
  decode(message);
  // A collection of the young generation (a millisecond: little lives there) frees the body just
  // decoded. Transcoding records makes next to no garbage, so V8 would otherwise wait until the
  // bodies' buffers had grown by 64 MB, holding two decompressed pages and their compressed bytes.
  collect({ type: 'minor' });
});

/**
 * @typedef {{ id: number, body: Uint8Array, encoding?: string, json: boolean, hint?: boolean, keep?: boolean,
 *   lines?: import('../destinations/mysql/json-lines.mjs').LinePlan & { keyField: string } }} BodyMessage
 */

/** Line plans made ready (json-lines.mjs), by their tables' ids: a sync sends the same few again and again. */
const compiledPlans = new Map();

/** @param {NonNullable<BodyMessage['lines']>} plan */
function compiledLines(plan) {
  // Bare fields change what is compiled, not the tables' ids.
  const id = [plan.parent.id, ...plan.children.map((c) => c.table.id), JSON.stringify(plan.bare ?? null)].join(' ');
  let compiled = compiledPlans.get(id);
  if (!compiled) {
    if (compiledPlans.size >= 8) compiledPlans.clear();
    compiled = compileLinePlan(plan, plan.keyField);
    compiledPlans.set(id, compiled);
  }
  return compiled;
}

/** Answers one body (see the module's comment). @param {BodyMessage} message */
function decode(message) {
  const { id, body, encoding, json, hint, lines } = message;
  // The body to go back with the answer, when the sender keeps it.
  const keep = message.keep ? body : undefined;
  let data;
  try {
    data = decompress(body, encoding);
  } catch (err) {
    parentPort?.postMessage({ id, error: { kind: 'encoding', message: /** @type {Error} */ (err).message } });
    return;
  }
  const bytes = data.length;
  if (hint) {
    // The next request can go out now, while this body is still being parsed.
    const nextLink = findNextLink(data);
    if (nextLink !== undefined) parentPort?.postMessage({ id, nextLink });
  }
  if (json) {
    const collection = collectionSpans(data);
    if (collection && sendInParts(id, data, collection, lines && compiledLines(lines), keep)) return;
  }
  let text;
  try {
    text = data.toString('utf8');
  } catch (err) {
    // Longer than the longest string V8 allows.
    parentPort?.postMessage({ id, error: { kind: 'encoding', message: /** @type {Error} */ (err).message } });
    return;
  }
  if (!json) {
    parentPort?.postMessage({ id, value: text, bytes });
    return;
  }
  let value;
  try {
    value = JSON.parse(text);
    // The text (tens of MB) is garbage from here: let a collection during the clone below free it.
    text = undefined;
  } catch (err) {
    parentPort?.postMessage({ id, error: { kind: 'json', message: /** @type {Error} */ (err).message, bytes } });
    return;
  }
  answer({ id, value, bytes }, keep);
}

/**
 * Posts a body's answer; with `body`, the body itself goes back with it (moved, not copied), for
 * the receiver to keep instead of a copy of its own (see body-thread.ts).
 * @param {{ id: number, value: unknown, bytes: number }} reply @param {Uint8Array} [body]
 */
function answer(reply, body) {
  if (!body) parentPort?.postMessage(reply);
  else parentPort?.postMessage({ ...reply, body }, [/** @type {ArrayBuffer} */ (body.buffer)]);
}

/**
 * Records per part: about a megabyte of their JSON. Small enough that neither thread holds much
 * more than a part of them at a time, large enough that messages stay few.
 */
const PART_BYTES = 1024 * 1024;

/** Whether records are transcoded here (json-wire.mjs) or parsed into objects and cloned. */
const transcoding = transcoderAgrees();

/** Room for a part of records at their largest in the format. */
const SCRATCH_BYTES = PART_BYTES * MAX_EXPANSION + EXTRA_BYTES;

/** A buffer to write a part into, starting with the format's header. */
function newScratch(bytes = SCRATCH_BYTES) {
  const buffer = Buffer.allocUnsafeSlow(bytes);
  WIRE_HEADER.copy(buffer);
  return buffer;
}

/**
 * Where parts are written, kept from one part to the next (untouched, its pages cost nothing). A
 * record too large for it gets a larger one for its part only.
 */
let scratch = newScratch();

/**
 * Sends a collection's records in parts, then the rest of the body with an empty `value`
 * (`{ id, value, bytes }`), which the receiver fills from the parts. A part is `{ id, wire, count }`:
 * `count` records in V8's serialization format, transcoded from their JSON without making objects
 * (json-wire.mjs), with `lines` and `lengths` when a line plan came with the body (their LOAD DATA
 * lines, see json-lines.mjs's writeRecordLines) and, when the plan asks for bare records, `bare`:
 * per record, 1 when it was written bare (its bare fields only, see writeBareRecord); a record the transcoder leaves to JSON.parse goes in
 * a `{ id, part }` of parsed records, in its place in the order. False, having sent nothing, when the rest of the body does not
 * read as a `value` left empty (collectionSpans makes sure of that; this checks again): the caller
 * then parses the body whole, whose answer stands.
 * @param {number} id @param {Buffer} data @param {{ open: number, close: number, spans: number[] }} collection
 * @param {ReturnType<typeof compileLinePlan> | undefined} linePlan @param {Uint8Array} [keep] the body, to go back with the answer
 */
function sendInParts(id, data, { open, close, spans }, linePlan, keep) {
  let envelope;
  try {
    envelope = JSON.parse(data.toString('utf8', 0, open + 1) + data.toString('utf8', close));
  } catch (err) {
    parentPort?.postMessage({ id, error: { kind: 'json', message: /** @type {Error} */ (err).message, bytes: data.length } });
    return true;
  }
  if (!Array.isArray(envelope.value) || envelope.value.length > 0) return false;
  let at = WIRE_HEADER.length;
  let wired = 0;
  /** @type {unknown[]} */
  let parsed = [];
  /** @type {{ lengths: number[] }} */
  const lineSink = { lengths: [] };
  // Bare records (common/load-lines.ts) need the transcoder: it writes them into the part.
  const bare = transcoding && linePlan?.bare !== undefined;
  /** Per record of the part being written: 1 when it went bare. @type {number[]} */
  let bareFlags = [];
  // Lines go out with the records they were written for, from the first part of this body on.
  if (linePlan) dropLines();
  const sendWired = () => {
    if (wired === 0) return;
    // A copy of its own, moved to the receiver: scratch stays here for the next part.
    const wire = Buffer.allocUnsafeSlow(at);
    scratch.copy(wire, 0, 0, at);
    if (linePlan) {
      const lines = takeLines();
      const lengths = Int32Array.from(lineSink.lengths);
      lineSink.lengths = [];
      if (bare) {
        const flags = Uint8Array.from(bareFlags);
        bareFlags = [];
        parentPort?.postMessage({ id, wire, count: wired, lines, lengths, bare: flags }, [
          wire.buffer,
          lines.buffer,
          lengths.buffer,
          flags.buffer,
        ]);
      } else parentPort?.postMessage({ id, wire, count: wired, lines, lengths }, [wire.buffer, lines.buffer, lengths.buffer]);
    } else parentPort?.postMessage({ id, wire, count: wired }, [wire.buffer]);
    if (scratch.length > SCRATCH_BYTES) scratch = newScratch();
    at = WIRE_HEADER.length;
    wired = 0;
  };
  const sendParsed = () => {
    if (parsed.length === 0) return;
    parentPort?.postMessage({ id, part: parsed });
    parsed = [];
  };
  let partStart = spans[0] ?? 0;
  for (let k = 0; k < spans.length; k += 2) {
    const start = /** @type {number} */ (spans[k]);
    const end = /** @type {number} */ (spans[k + 1]);
    // Bare when its lines stand for all of it: then only its bare fields are transcoded.
    const bareLength = bare && linePlan ? writeBareRecord(linePlan, data, start, end, lineSink) : -1;
    const room = at + Math.max(end - start, bareLength) * MAX_EXPANSION + EXTRA_BYTES;
    if (room > scratch.length) {
      const larger = newScratch(room);
      scratch.copy(larger, 0, 0, at);
      scratch = larger;
    }
    let written = bareLength >= 0 ? transcodeRecord(bareRecord(), 0, bareLength, scratch, at) : -1;
    const wentBare = written >= 0;
    if (bareLength >= 0 && !wentBare) undoBareRecord(lineSink);
    if (!wentBare && transcoding) written = transcodeRecord(data, start, end, scratch, at);
    if (written >= 0) {
      sendParsed();
      at = written;
      wired++;
      if (bare) bareFlags.push(wentBare ? 1 : 0);
      if (linePlan && !wentBare) writeRecordLines(linePlan, data, start, end, lineSink, recordMembers());
    } else {
      // JSON.parse decides: what it refuses fails the body, as a body it cannot parse would.
      try {
        const record = JSON.parse(data.toString('utf8', start, end));
        sendWired();
        parsed.push(record);
      } catch (err) {
        // Parts already sent are dropped by the receiver with the error.
        const message = `record at byte ${start}: ${/** @type {Error} */ (err).message}`;
        parentPort?.postMessage({ id, error: { kind: 'json', message, bytes: data.length } });
        return true;
      }
    }
    if (end - partStart >= PART_BYTES) {
      sendWired();
      sendParsed();
      partStart = end;
    }
  }
  sendWired();
  sendParsed();
  answer({ id, value: envelope, bytes: data.length }, keep);
  return true;
}
