/**
 * The JSON thread (see parse-off-thread.ts): decompresses and parses MLS response bodies so the
 * activity's thread can go on converting and writing the previous page meanwhile. Plain
 * JavaScript, so it starts the same under tsx, vitest and the built CLI. One message per body:
 * `{ id, body, encoding, json }` in; out `{ id, value, bytes }` (the parsed JSON, or the text when
 * `json` is false, and the decompressed size) or `{ id, error }`.
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

parentPort?.on('message', (/** @type {{ id: number, body: Uint8Array, encoding?: string, json: boolean }} */ message) => {
  const { id, body, encoding, json } = message;
  let text;
  let bytes;
  try {
    const data = decompress(body, encoding);
    bytes = data.length;
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
  } catch (err) {
    parentPort?.postMessage({ id, error: { kind: 'json', message: /** @type {Error} */ (err).message, bytes } });
    return;
  }
  parentPort?.postMessage({ id, value, bytes });
});
