/**
 * The JSON thread (see body-thread.ts): decompresses and parses MLS response bodies so the
 * activity's thread can go on converting and writing the previous page meanwhile. Plain
 * JavaScript, so it starts the same under tsx, vitest and the built CLI. One message per body:
 * `{ id, body, encoding, json, hint }` in; out `{ id, value, bytes }` (the parsed JSON, or the text
 * when `json` is false, and the decompressed size) or `{ id, error }`. With `hint`, a
 * `{ id, nextLink }` may go out first: the collection's `@odata.nextLink` read off the
 * decompressed bytes before the parse (see findNextLink).
 */
import { Buffer } from 'node:buffer';
import { parentPort } from 'node:worker_threads';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

/** @param {Uint8Array} body @param {string | undefined} encoding @returns {Buffer} */
function decompress(body, encoding) {
  const data = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  switch ((encoding ?? 'identity').trim().toLowerCase()) {
    case 'identity':
    case '':
      return data;
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(data);
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

parentPort?.on('message', (/** @type {{ id: number, body: Uint8Array, encoding?: string, json: boolean, hint?: boolean }} */ message) => {
  const { id, body, encoding, json, hint } = message;
  let text;
  let bytes;
  try {
    const data = decompress(body, encoding);
    bytes = data.length;
    if (hint) {
      // The next request can go out now, while this body is still being parsed.
      const nextLink = findNextLink(data);
      if (nextLink !== undefined) parentPort?.postMessage({ id, nextLink });
    }
    text = data.toString('utf8');
  } catch (err) {
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
  parentPort?.postMessage({ id, value, bytes });
});
