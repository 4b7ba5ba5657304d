/**
 * The body thread (activities/source/body-thread.ts): every Content-Encoding the client asks for,
 * gzip streams of several members, and bodies that do not decompress or parse are told apart;
 * a body sliced from Node's shared buffer pool is copied, not moved, so other buffers stay intact.
 */
import { brotliCompressSync, deflateRawSync, deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BodyUndecodable, decodeBody, setPageCollection } from '../../activities/source/body-thread';
import { lineFor } from '../../activities/common/load-lines';
import { linePlan } from '../../activities/destinations/mysql/line-plan';
import type { ColumnPlan } from '../../activities/destinations/mysql/columns';
import type { TablePlan } from '../../activities/destinations/mysql/schema';
// @ts-expect-error -- plain JavaScript (it runs as the thread's entry), typed by its JSDoc only
import { findNextLink, gzipOutputChunk } from '../../activities/source/json-thread.mjs';

const page = { '@odata.nextLink': 'https://mls.example/Property?$skiptoken=2', value: [{ ListingKey: 'A', City: 'Zürich 🏠' }] };
const text = JSON.stringify(page);

describe('body thread', () => {
  it('decompresses gzip, deflate (wrapped or raw), br and plain bodies and parses them', async () => {
    const bodies: [string | undefined, Buffer][] = [
      ['gzip', gzipSync(text)],
      ['deflate', deflateSync(text)],
      ['deflate', deflateRawSync(text)],
      ['br', brotliCompressSync(text)],
      [undefined, Buffer.from(text)],
      ['identity', Buffer.from(text)],
    ];
    for (const [encoding, body] of bodies) {
      const decoded = await decodeBody(body, encoding, true);
      expect(decoded).toEqual({ value: page, bytes: Buffer.byteLength(text) });
    }
  });

  it('reads a gzip body of several members as one stream', async () => {
    const [head, tail] = [text.slice(0, 20), text.slice(20)];
    const decoded = await decodeBody(Buffer.concat([gzipSync(head), gzipSync(tail)]), 'gzip', true);
    expect(decoded.value).toEqual(page);
  });

  it('gunzips a large body into one buffer sized from its trailer, and survives a trailer that lies', async () => {
    const large = JSON.stringify({ value: Array.from({ length: 5000 }, (_, i) => ({ ListingKey: `K${i}`, Remarks: 'x'.repeat(100) })) });
    const body = gzipSync(large);
    expect(gzipOutputChunk(body)).toBe(Buffer.byteLength(large) + 1);
    // One allocation, returned as is: no 16 KB chunks joined into a second copy.
    expect(gunzipSync(body, { chunkSize: gzipOutputChunk(body) }).buffer.byteLength).toBe(Buffer.byteLength(large) + 1);
    expect((await decodeBody(body, 'gzip', true)).value).toEqual(JSON.parse(large));
    // A trailer claiming 4 GB is bounded by what deflate can expand to; zlib then refuses the length.
    const lying = Buffer.from(body);
    lying.writeUInt32LE(0xffffffff, lying.length - 4);
    expect(gzipOutputChunk(lying)).toBe(lying.length * 1032);
    expect(await decodeBody(lying, 'gzip', true).catch((e: unknown) => e)).toMatchObject({ kind: 'encoding' });
    // A trailer claiming less than the body (the last of several members) leaves a guess of 8 times
    // the body; output beyond it (this text compresses far better) comes in more chunks, joined.
    const members = Buffer.concat([gzipSync(large), gzipSync(' ')]);
    expect(gzipOutputChunk(members)).toBe(members.length * 8);
    expect((await decodeBody(members, 'gzip', true)).value).toEqual(JSON.parse(large));
  });

  it('gunzips a body of one member per record into one buffer too', async () => {
    const records = Array.from({ length: 2000 }, (_, i) => ({ ListingKey: `K${i}`, ListPrice: 100000 + i * 7, City: `City ${i % 37}` }));
    const members = [gzipSync('{"value":['), ...records.map((r, i) => gzipSync(`${i > 0 ? ',' : ''}${JSON.stringify(r)}`)), gzipSync(']}')];
    const body = Buffer.concat(members);
    const chunk = gzipOutputChunk(body);
    expect(chunk).toBe(body.length * 8);
    const out = gunzipSync(body, { chunkSize: chunk });
    // The reserved buffer itself, not 16 KB chunks joined into a copy.
    expect(out.buffer.byteLength).toBe(chunk);
    expect(JSON.parse(out.toString())).toEqual({ value: records });
  });

  it('returns text when asked for text', async () => {
    expect(await decodeBody(gzipSync('<error>nope</error>'), 'gzip', false)).toEqual({ value: '<error>nope</error>', bytes: 19 });
  });

  it('tells a body that does not decompress from one that is not JSON', async () => {
    const notGzip = await decodeBody(Buffer.from('plain text'), 'gzip', true).catch((e: unknown) => e);
    expect(notGzip).toBeInstanceOf(BodyUndecodable);
    expect(notGzip).toMatchObject({ kind: 'encoding' });
    const truncated = await decodeBody(gzipSync(text.slice(0, 30)), 'gzip', true).catch((e: unknown) => e);
    expect(truncated).toMatchObject({ kind: 'json', bytes: 30 });
    const unknown = await decodeBody(Buffer.from(text), 'compress', true).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ kind: 'encoding', message: 'Content-Encoding compress is not supported' });
  });

  it('copies a body that shares Node’s buffer pool instead of moving the pool away', async () => {
    const neighbour = Buffer.from('neighbour');
    const small = Buffer.from('{"value":[]}');
    expect(small.buffer).toBe(neighbour.buffer);
    expect((await decodeBody(small, undefined, true)).value).toEqual({ value: [] });
    expect(neighbour.toString()).toBe('neighbour');
    expect(small.toString()).toBe('{"value":[]}');
    // A buffer of its own is moved (detached here) rather than copied.
    const own = Buffer.from(new Uint8Array(Buffer.from(text)).buffer);
    await decodeBody(own, undefined, true);
    expect(own.buffer.byteLength).toBe(0);
  });

  it('decodes many bodies at once, each answer to its own request', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => decodeBody(gzipSync(JSON.stringify({ i })), 'gzip', true)));
    expect(answers.map((a) => (a.value as { i: number }).i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe('the nextLink hint', () => {
  const link = 'https://mls.example/Property?$skiptoken=a/b&x=1';
  const records = Array.from({ length: 3000 }, (_, i) => ({ ListingKey: `K${i}`, PublicRemarks: 'x'.repeat(40) }));

  it('is read near the start or the end of a body, escapes and all', () => {
    const before = JSON.stringify({ '@odata.context': 'c', '@odata.nextLink': link, value: records });
    const after = JSON.stringify({ value: records, '@odata.nextLink': link }).replace('a/b', 'a\\/b').replace('&', '\\u0026');
    expect(before.length).toBeGreaterThan(128 * 1024);
    expect(findNextLink(Buffer.from(before))).toBe(link);
    expect(findNextLink(Buffer.from(after))).toBe(link);
    expect(findNextLink(Buffer.from(JSON.stringify({ '@odata.nextLink': link, value: [] }).replace(':', ' : ')))).toBe(link);
  });

  it('is not taken from record values, expanded navigations, or a body without one', () => {
    const quoted = { ListingKey: 'A', PublicRemarks: 'see "@odata.nextLink": "https://evil.example/"' };
    const expanded = { ListingKey: 'B', 'Media@odata.nextLink': 'https://mls.example/Media?$skip=100', Media: [] };
    expect(findNextLink(Buffer.from(JSON.stringify({ value: [quoted, expanded] })))).toBeUndefined();
    // Far from both ends: a body without a link is not searched through.
    const middle = JSON.stringify({ value: [...records, { '@odata.nextLink': link }, ...records] });
    expect(findNextLink(Buffer.from(middle))).toBeUndefined();
    expect(findNextLink(Buffer.from('{"@odata.nextLink": 42, "value": []}'))).toBeUndefined();
    expect(findNextLink(Buffer.from('{"@odata.nextLink": "unterminated'))).toBeUndefined();
  });

  it('reaches the caller before the parsed body, only when asked for', async () => {
    const body = gzipSync(JSON.stringify({ value: records, '@odata.nextLink': link }));
    const events: string[] = [];
    const decoded = decodeBody(body, 'gzip', true, (hint) => events.push(`hint ${hint}`)).then(() => events.push('parsed'));
    await decoded;
    expect(events).toEqual([`hint ${link}`, 'parsed']);
    const silent: string[] = [];
    await decodeBody(gzipSync(JSON.stringify({ value: [] })), 'gzip', true, (hint) => silent.push(hint));
    expect(silent).toEqual([]);
  });
});

describe('LOAD DATA lines from the body thread', () => {
  const columns: ColumnPlan[] = [
    { field: 'ListingKey', column: 'ListingKey', kind: 'string', sqlType: 'VARCHAR(20)', maxChars: 20 },
    { field: 'City', column: 'City', kind: 'string', sqlType: 'VARCHAR(20)', maxChars: 20 },
  ];
  const table: TablePlan = {
    source: 's',
    resource: 'Property',
    table: 'Property',
    columns,
    keyColumns: ['ListingKey'],
    cursorColumn: null,
    parentKeyColumn: null,
    byField: new Map(columns.map((c) => [c.field, c])),
  };
  const plan = linePlan('ListingKey', table, [], [])!;
  const body = (records: string[]) => Buffer.from(`{"value":[${records.join(',')}]}`);
  const linesOf = (records: unknown) =>
    (records as { value: object[] }).value.map((r) => {
      const line = lineFor(r, plan.parent.id);
      return line && Buffer.from(line).toString();
    });

  it('come with the records they were written for, also after a body that failed half-way', async () => {
    // The second record is no JSON: the body fails after the first one's line was written.
    await expect(
      decodeBody(body(['{"ListingKey":"A","City":"Old"}', '{"ListingKey":"B",}']), undefined, true, undefined, plan),
    ).rejects.toThrow(BodyUndecodable);
    const { value } = await decodeBody(
      body(['{"ListingKey":"C","City":"Paris"}', '{"ListingKey":"D","Other":1}']),
      undefined,
      true,
      undefined,
      plan,
    );
    expect(linesOf(value)).toEqual(['C\tParis\t\\N\n', undefined]);
  });

  it('start the page collection before each body that comes with a line plan, and only then', async () => {
    let collections = 0;
    setPageCollection(() => collections++);
    try {
      await decodeBody(body(['{"ListingKey":"E"}']), undefined, true, undefined, plan);
      await decodeBody(body(['{"ListingKey":"F"}']), undefined, true, undefined, plan);
      await decodeBody(body(['{"ListingKey":"G"}']), undefined, true);
      await decodeBody(Buffer.from('text'), undefined, false);
      expect(collections).toBe(2);
    } finally {
      setPageCollection(undefined);
    }
  });
});
