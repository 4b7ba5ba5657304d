/**
 * Response bodies are decompressed, decoded and parsed on a thread of their own (json-thread.mjs):
 * a page of 1,000 full Property records is 26 MB of JSON, a quarter of a second of parsing that
 * would otherwise stall the activity's thread, where the previous page is being converted and
 * written (and where the next page's bytes must be read off the socket). A collection's records
 * come in parts of about a megabyte each (json-records.mjs), written by the thread straight from
 * their JSON into V8's serialization format (json-wire.mjs) and read here, with V8's deserializer,
 * while the thread works on the next part. Anything else comes back by structured clone.
 *
 * One thread per process, shared by every activity, started on first use and left to idle
 * without keeping the process alive.
 */
import { Deserializer } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { fromRoot } from '../../scripts/lib/paths';
import { attachLine, isBare, type BareOrigin, type LinePlan } from '../common/load-lines';

export class BodyUndecodable extends Error {
  override readonly name = 'BodyUndecodable';
  constructor(
    message: string,
    /** `encoding`: the bytes did not decompress; `json`: the text is not JSON. */
    readonly kind: 'encoding' | 'json',
    /** Decompressed bytes (for `json`). */
    readonly bytes?: number,
  ) {
    super(message);
  }
}

export interface DecodedBody<T> {
  value: T;
  /** Bytes after decompression. */
  bytes: number;
}

interface Pending {
  /** The line plan sent with the body, whose table ids the lines are attached under. */
  lines?: LinePlan | undefined;
  /** With bare records: decodes the body again, whole (see BareOrigin). */
  whole?: BareOrigin['whole'] | undefined;
  /** With bare records: takes the body back from the thread, for `whole`. */
  keep?: ((body: Buffer) => void) | undefined;
  resolve: (decoded: DecodedBody<unknown>) => void;
  reject: (error: Error) => void;
  onNextLink?: ((link: string) => void) | undefined;
  /** A collection's records received so far, when the thread sends them in parts. */
  records?: unknown[];
}

type Reply =
  /** With `body` when it was sent with `keep`: the body itself, moved back. */
  | { id: number; value: unknown; bytes: number; body?: Uint8Array }
  | { id: number; error: { kind: 'encoding' | 'json'; message: string; bytes?: number } }
  /** Sent before the body's answer: its `@odata.nextLink`, read before the parse. */
  | { id: number; nextLink: string }
  /** Some of a collection's records, in order; the answer that ends them has an empty `value`. */
  | { id: number; part: unknown[] }
  /**
   * The same, as `count` values in V8's serialization format (json-wire.mjs), with their LOAD DATA
   * lines when the body came with a line plan (see attachLines).
   */
  | { id: number; wire: Uint8Array; count: number; lines?: Uint8Array; lengths?: Int32Array; bare?: Uint8Array };

/**
 * Room for the short-lived objects of parsing a page; 16 MB measured as fast as 48 MB and 56 MB
 * smaller at peak (docs/benchmarks.md).
 */
const YOUNG_GENERATION_MB = 16;

let thread: { worker: Worker; pending: Map<number, Pending> } | undefined;
let nextId = 0;

/** Started before each body with a line plan goes to the thread (see setPageCollection). */
let beforeLinedBody: (() => void) | undefined;

/**
 * What to run before each body on MariaDB's bulk path goes to be decoded: the worker's memory
 * policy (worker/memory.ts) gives a full collection, run as a task. A page in hand there is mostly
 * buffers (its lines, its compressed body) held by a few small objects, which have left the young
 * generation by the time the page is written: only a full collection frees them, and V8 starts
 * one for buffers alone when they have grown by 64 MB since the last, two pages and more. With a
 * collection per page the pages already written go at once: the sync benchmark's peak fell by
 * about 15 MB (docs/benchmarks.md), on a thread idle most of the time on that path.
 */
export function setPageCollection(collect: (() => void) | undefined): void {
  beforeLinedBody = collect;
}

function startThread(): { worker: Worker; pending: Map<number, Pending> } {
  const worker = new Worker(fromRoot('activities', 'source', 'json-thread.mjs'), {
    // Its own young generation: the worker's memory policy (worker/memory.ts) gives threads started
    // after it a small one, which would promote every object of a page being parsed.
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  const pending = new Map<number, Pending>();
  const started = { worker, pending };
  worker.unref();
  worker.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id);
    if ('nextLink' in reply) {
      waiting?.onNextLink?.(reply.nextLink);
      return;
    }
    if ('part' in reply) {
      if (!waiting) return;
      if (waiting.records) for (const record of reply.part) waiting.records.push(record);
      else waiting.records = reply.part;
      return;
    }
    if ('wire' in reply) {
      if (!waiting) return;
      try {
        const records = (waiting.records ??= []);
        const first = records.length;
        readWire(reply.wire, reply.count, records);
        const bare = reply.bare && waiting.whole ? { flags: reply.bare, whole: waiting.whole } : undefined;
        if (reply.lines && reply.lengths && waiting.lines) attachLines(waiting.lines, records, first, reply.lines, reply.lengths, bare);
        if (reply.bare) checkBare(waiting.lines, records, first, reply.bare);
      } catch (error) {
        // The thread wrote what this V8 cannot read: a fault of resync's, not of the body.
        pending.delete(reply.id);
        waiting.reject(new Error(`the response decoding thread sent records that cannot be read: ${(error as Error).message}`));
      }
      return;
    }
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (!waiting) return;
    if ('error' in reply) waiting.reject(new BodyUndecodable(reply.error.message, reply.error.kind, reply.error.bytes));
    else {
      if (reply.body) waiting.keep?.(Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength));
      if (waiting.records) (reply.value as { value: unknown[] }).value = waiting.records;
      waiting.resolve({ value: reply.value, bytes: reply.bytes });
    }
  });
  // A thread that died (out of memory, say) fails what it held; the next body starts a new one.
  const fail = (error: Error) => {
    if (thread === started) thread = undefined;
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  worker.on('error', (error) => fail(new Error(`the response decoding thread failed: ${error.message}`)));
  worker.on('exit', (code) => fail(new Error(`the response decoding thread exited with code ${code}`)));
  return started;
}

/**
 * Gives the records from `first` on their lines (`lengths` as json-lines.mjs's writeRecordLines
 * lists them), and their expanded children theirs. A list that does not match the records as read
 * (which the thread's checks rule out) attaches nothing more: those records are converted as usual.
 * With `bare`, the records it flags (and their children) are marked bare, their whole form being
 * the same index of the body decoded again.
 */
function attachLines(
  plan: LinePlan,
  records: unknown[],
  first: number,
  lines: Uint8Array,
  lengths: Int32Array,
  bare?: { flags: Uint8Array; whole: BareOrigin['whole'] },
): void {
  let at = 0;
  let k = 0;
  const next = (): number => (k < lengths.length ? lengths[k++]! : -2);
  let origin: BareOrigin | undefined;
  const take = (record: unknown, table: string, length: number) => {
    if (length > 0 && typeof record === 'object' && record !== null) attachLine(record, table, lines.subarray(at, at + length), origin);
    at += Math.max(0, length);
  };
  for (let r = first; r < records.length; r++) {
    const record = records[r] as Record<string, unknown>;
    const length = next();
    if (length < -1) return;
    // A bare record's children are bare too; only the record itself is ever made whole.
    origin = bare?.flags[r - first] === 1 ? { whole: bare.whole, index: r } : undefined;
    take(record, plan.parent.id, length);
    for (const child of plan.children) {
      const count = next();
      if (count < -1) return;
      const list = record?.[child.navigation];
      for (let c = 0; c < count; c++) {
        const childLength = next();
        if (childLength < -1) return;
        take(Array.isArray(list) && list.length === count ? list[c] : undefined, child.table.id, childLength);
      }
    }
  }
}

/**
 * Throws unless every record the thread sent bare (and each child in its lists) came out of
 * attachLines bare: one that did not would be taken for the whole record, and stored short.
 */
function checkBare(plan: LinePlan | undefined, records: unknown[], first: number, flags: Uint8Array): void {
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] !== 1) continue;
    const record = records[first + i] as Record<string, unknown> | undefined;
    const children = (plan?.children ?? []).flatMap((c) => {
      const list = record?.[c.navigation];
      return Array.isArray(list) ? list : [];
    });
    if (!plan || !record || !isBare(record) || children.some((c) => typeof c !== 'object' || c === null || !isBare(c))) {
      throw new Error(`record ${first + i} came bare without the lines that stand for it`);
    }
  }
}

/** Appends the `count` values serialized in `wire` to `records`. */
function readWire(wire: Uint8Array, count: number, records: unknown[]): void {
  const reader = new Deserializer(wire);
  reader.readHeader();
  for (let i = 0; i < count; i++) records.push(reader.readValue());
}

/**
 * The body decompressed (`Content-Encoding` gzip, deflate, br or none) and decoded as UTF-8 text,
 * parsed as JSON when `json` is true. `onNextLink` (JSON only) hears an OData collection's
 * `@odata.nextLink` as soon as the body is decompressed, before the parse: a hint, found by
 * looking for it near the start and the end of the body, which the parsed value has the last word on.
 * With `lines` (JSON only), a collection's records come with the LOAD DATA lines the thread could
 * write for them by that plan (common/load-lines.ts), and bare when the plan asks for that.
 */
export function decodeBody(
  body: Buffer,
  encoding: string | undefined,
  json: true,
  onNextLink?: (link: string) => void,
  lines?: LinePlan,
): Promise<DecodedBody<unknown>>;
export function decodeBody(body: Buffer, encoding: string | undefined, json: false): Promise<DecodedBody<string>>;
export function decodeBody(
  body: Buffer,
  encoding: string | undefined,
  json: boolean,
  onNextLink?: (link: string) => void,
  lines?: LinePlan,
): Promise<DecodedBody<unknown>> {
  thread ??= startThread();
  if (json && lines) beforeLinedBody?.();
  const { worker, pending } = thread;
  const id = nextId++;
  return new Promise((resolve, reject) => {
    // Bare records need the body kept to be decoded again whole (BareOrigin). It moves to the
    // thread and back with the answer, so no copy of it (compressed, megabytes a page) is held
    // here while the thread still has the original; the records, and their `whole`, exist only
    // once the answer has come.
    const keep = json && !!lines?.bare;
    let kept: Buffer | undefined;
    const whole = keep
      ? () => (kept ? decodeWhole(kept, encoding) : Promise.reject(new Error('the body to decode again did not come back from the thread')))
      : undefined;
    pending.set(id, { resolve, reject, onNextLink, lines, whole, keep: keep ? (back) => (kept = back) : undefined });
    worker.ref();
    // A buffer that owns its memory moves to the thread without a copy; a slice of Node's shared
    // pool (small bodies) is copied, as moving it would take the pool away from other buffers.
    const owns = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
    worker.postMessage(
      { id, body, encoding, json, hint: json && !!onNextLink, ...(json && lines ? { lines, keep } : {}) },
      owns ? [body.buffer as ArrayBuffer] : [],
    );
  });
}

/** A collection body's records decoded again, none bare: the whole forms of its bare records. */
async function decodeWhole(body: Buffer, encoding: string | undefined): Promise<unknown[]> {
  const { value } = await decodeBody(Buffer.from(body), encoding, true);
  const records = (value as { value?: unknown } | null)?.value;
  if (!Array.isArray(records)) throw new Error('a body decoded again is no longer a collection');
  return records;
}
