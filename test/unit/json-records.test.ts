/**
 * A collection's records found without parsing (activities/source/json-records.mjs) and sent by
 * the body thread in parts: whatever the body, the caller gets exactly what JSON.parse of the
 * whole body gives, or the same kind of failure.
 */
import { Deserializer } from 'node:v8';
import { gzipSync } from 'node:zlib';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BodyUndecodable, decodeBody } from '../../activities/source/body-thread';
// @ts-expect-error -- plain JavaScript (the thread imports it), typed by its JSDoc only
import { collectionSpans } from '../../activities/source/json-records.mjs';

type Spans = { open: number; close: number; spans: number[] } | undefined;

/** What json-thread.mjs sends for a body: parts (parsed or transcoded), then the answer or an error. */
interface ThreadMessage {
  part?: unknown[];
  wire?: Uint8Array;
  count?: number;
  value?: unknown;
  error?: unknown;
}
const spansOf = (text: string): Spans => collectionSpans(Buffer.from(text)) as Spans;

/** The elements as the spans cut them, each parsed on its own. */
function elements(text: string): unknown[] | undefined {
  const bytes = Buffer.from(text);
  const found = spansOf(text);
  if (!found) return undefined;
  const out: unknown[] = [];
  for (let k = 0; k < found.spans.length; k += 2) out.push(JSON.parse(bytes.toString('utf8', found.spans[k], found.spans[k + 1])));
  return out;
}

/** What the caller of decodeBody gets: the value, or the failure's kind. */
async function decoded(text: string): Promise<unknown> {
  try {
    return (await decodeBody(gzipSync(text), 'gzip', true)).value;
  } catch (err) {
    if (err instanceof BodyUndecodable) return { failed: err.kind };
    throw err;
  }
}

function parsedWhole(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { failed: 'json' };
  }
}

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRICKY_TEXT = ['plain', 'a "quoted" word', 'back\\slash\\', 'brace } and ] and {[', 'tab\there', 'Zürich 🏠', '', '\\"', '"},{"'];

function randomValue(next: () => number, depth: number): unknown {
  const pick = next();
  if (depth > 2 || pick < 0.5) {
    const scalars = [null, true, false, 0, -1.5e-7, 123456789012, TRICKY_TEXT[Math.floor(next() * TRICKY_TEXT.length)]];
    return scalars[Math.floor(next() * scalars.length)];
  }
  if (pick < 0.75) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
  const record: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 5); i > 0; i--)
    record[TRICKY_TEXT[Math.floor(next() * TRICKY_TEXT.length)]! + i] = randomValue(next, depth + 1);
  return record;
}

describe('collectionSpans', () => {
  it('cuts a collection into its elements, whatever surrounds and fills them', () => {
    const records = [
      { ListingKey: 'A', Remarks: 'he said "}" and left', Media: [{ MediaKey: 'M1', Order: 1 }, { MediaKey: 'M2' }] },
      { ListingKey: 'B', Remarks: 'back\\slash \\" [ { ', Nested: { deeper: [[], {}, [1, [2]]] } },
      { ListingKey: 'C', City: 'Zürich 🏠', Empty: '' },
    ];
    const compact = JSON.stringify({ '@odata.context': 'c', '@odata.count': 3, value: records, '@odata.nextLink': 'n' });
    expect(elements(compact)).toEqual(records);
    const spaced = JSON.stringify({ '@odata.context': { a: [1, '}'] }, value: records }, null, 2).replace(/\n/g, '\r\n\t');
    expect(elements(spaced)).toEqual(records);
    const found = spansOf(spaced)!;
    // The brackets are the array's own: the rest of the body reads with the array emptied.
    const rest = Buffer.from(spaced);
    expect(JSON.parse(rest.toString('utf8', 0, found.open + 1) + rest.toString('utf8', found.close))).toEqual({
      '@odata.context': { a: [1, '}'] },
      value: [],
    });
    expect(elements('{"value":[]}')).toEqual([]);
    expect(elements('{ "value" : [ 1 , "two" , null , [3] ] }')).toEqual([1, 'two', null, [3]]);
  });

  it('declines what it cannot follow, leaving the body to be parsed whole', () => {
    for (const text of [
      '[{"value":[]}]',
      '{"values":[{}]}',
      '{"value":{"a":[]}}',
      '{"val\\u0075e":[{}]}',
      '{"value":[{"a":1}',
      '{"value":[{"a":"unterminated}]}',
      '{"value":[{}}]}',
      '{"value":[{},]}',
      '{"value":[,{}]}',
      '{"@odata.count":3 "value":[]}',
      // JSON.parse keeps the last of equal names: the array found would not be the body's value.
      '{"value":[1],"value":[]}',
      '{"value":[{"a":1}],"@odata.nextLink":"n","val\\u0075e":[]}',
      '{"value":[1],"x":[}',
      '\uFEFF{"value":[]}',
      '',
    ]) {
      expect(spansOf(text), text).toBeUndefined();
    }
  });
});

describe('records sent in parts by the body thread', () => {
  it('gives what JSON.parse of the whole body gives, for bodies valid and not', async () => {
    const next = random(20261207);
    for (let round = 0; round < 150; round++) {
      const body: Record<string, unknown> = {};
      if (next() < 0.5) body['@odata.context'] = randomValue(next, 1);
      body.value = Array.from({ length: Math.floor(next() * 6) }, () => randomValue(next, 0));
      if (next() < 0.5) body['@odata.nextLink'] = TRICKY_TEXT[Math.floor(next() * TRICKY_TEXT.length)];
      let text = JSON.stringify(body, null, next() < 0.3 ? 1 : undefined);
      // Damage some: a byte cut, a byte doubled, a member name repeated.
      const damage = next();
      const at = Math.floor(next() * text.length);
      if (damage < 0.15) text = text.slice(0, at) + text.slice(at + 1);
      else if (damage < 0.3) text = text.slice(0, at) + text[at] + text.slice(at);
      else if (damage < 0.35) text = text.replace(/}$/, ',"value":["last wins"]}');
      else if (damage < 0.4) text = text.replace(/}$/, ',"val\\u0075e":[]}');
      expect(await decoded(text), text).toEqual(parsedWhole(text));
    }
  });

  it('brings a large page back whole and in order, two pages at once without mixing them', async () => {
    const page = (tag: string) => ({
      '@odata.count': 4000,
      value: Array.from({ length: 4000 }, (_, i) => ({
        ListingKey: `${tag}${i}`,
        PublicRemarks: `${tag} "${'x'.repeat(600)}"`,
        Media: [{ Order: i }],
      })),
      '@odata.nextLink': `https://mls.example/Property?$skiptoken=${tag}`,
    });
    const [a, b] = [page('A'), page('B')];
    // Several megabytes each: sent in several parts.
    expect(JSON.stringify(a).length).toBeGreaterThan(2 * 1024 * 1024);
    const [got, gotB] = await Promise.all([
      decodeBody(gzipSync(JSON.stringify(a)), 'gzip', true),
      decodeBody(gzipSync(JSON.stringify(b)), 'gzip', true),
    ]);
    expect(got.value).toEqual(a);
    expect(gotB.value).toEqual(b);
  });

  /** The thread's messages for one body, up to and including its answer. */
  async function threadMessages(body: string): Promise<ThreadMessage[]> {
    const thread = new Worker(new URL('../../activities/source/json-thread.mjs', import.meta.url));
    try {
      const messages: ThreadMessage[] = [];
      await new Promise<void>((resolve, reject) => {
        thread.on('message', (m: ThreadMessage) => {
          messages.push(m);
          if ('value' in m || 'error' in m) resolve();
        });
        thread.on('error', reject);
        thread.postMessage({ id: 1, body: gzipSync(body), encoding: 'gzip', json: true });
      });
      return messages;
    } finally {
      await thread.terminate();
    }
  }

  /** The records of a part, whichever form it came in. */
  function partRecords(m: ThreadMessage): unknown[] {
    if (m.part) return m.part;
    const reader = new Deserializer(m.wire!);
    reader.readHeader();
    return Array.from({ length: m.count! }, () => reader.readValue());
  }

  it('are about a megabyte each, transcoded, so neither thread holds a whole page of them for the message', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({ ListingKey: `K${i}`, Remarks: 'z'.repeat(1000) }));
    const messages = await threadMessages(JSON.stringify({ value: records }));
    const parts = messages.filter((m) => m.part || m.wire);
    // 3 MB of records: two parts cut once they pass a megabyte, and the rest; none made into objects.
    expect(parts).toHaveLength(3);
    expect(parts.every((m) => m.wire)).toBe(true);
    for (const part of parts.slice(0, 2)) {
      expect(JSON.stringify(partRecords(part)).length).toBeGreaterThanOrEqual(1024 * 1024);
      expect(JSON.stringify(partRecords(part)).length).toBeLessThan(1024 * 1024 + 1100);
    }
    expect(parts.flatMap(partRecords)).toEqual(records);
    expect(messages.at(-1)).toEqual({ id: 1, value: { value: [] }, bytes: JSON.stringify({ value: records }).length });
  });

  it('take a record larger than a whole part, and the records after it', async () => {
    const records = [
      { ListingKey: 'small', Remarks: 'a' },
      { ListingKey: 'huge', Remarks: 'b'.repeat(3 * 1024 * 1024), Rooms: Array.from({ length: 50_000 }, (_, i) => ({ n: -i, x: [] })) },
      ...Array.from({ length: 1500 }, (_, i) => ({ ListingKey: `K${i}`, Remarks: 'c'.repeat(1000), Price: i + 0.5 })),
    ];
    const body = JSON.stringify({ value: records });
    // As JSON.parse reads it back (`-0` is written as 0).
    const sent = JSON.parse(body) as { value: unknown[] };
    const messages = await threadMessages(body);
    expect(messages.filter((m) => m.part || m.wire).flatMap(partRecords)).toEqual(sent.value);
    expect((await decodeBody(gzipSync(body), 'gzip', true)).value).toEqual(sent);
  });

  it('keep their order when one is left to JSON.parse (a name used twice) and comes parsed', async () => {
    const records = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ ListingKey: `K${i}`, Remarks: 'w'.repeat(900) }));
    records[1500] = '{"ListingKey":"K1500","Remarks":"first","Remarks":"last wins"}';
    const body = `{"value":[${records.join(',')}]}`;
    const messages = await threadMessages(body);
    const kinds = messages.filter((m) => m.part || m.wire).map((m) => (m.part ? `parsed ${m.part.length}` : 'wire'));
    // The part in progress is sent before the parsed record, and the next part starts after it.
    expect(kinds).toEqual(['wire', 'wire', 'parsed 1', 'wire']);
    expect(messages.filter((m) => m.part || m.wire).flatMap(partRecords)).toEqual((JSON.parse(body) as { value: unknown[] }).value);
    expect((await decodeBody(gzipSync(body), 'gzip', true)).value).toEqual(JSON.parse(body));
  });

  it('fails the whole body when one record is not JSON, with nothing of it delivered', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ ListingKey: `K${i}`, Remarks: 'y'.repeat(500) }));
    records[2500] = '{"ListingKey":"K2500","Remarks":tru}';
    const failure = await decodeBody(gzipSync(`{"value":[${records.join(',')}]}`), 'gzip', true).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BodyUndecodable);
    expect(failure).toMatchObject({ kind: 'json' });
    expect((failure as Error).message).toMatch(/^record at byte \d+: /);
    // The thread goes on serving bodies.
    expect((await decodeBody(gzipSync('{"value":[{"a":1}]}'), 'gzip', true)).value).toEqual({ value: [{ a: 1 }] });
  });
});
