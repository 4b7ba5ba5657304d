/**
 * A resource whose $metadata makes it unusable (here: its key names no property) fails its sync at
 * once, on the first attempt, with one line saying why — not a database error after five retries.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../config';
import { startSync } from '../../worker/commands/sync';
import { dropDatabases, temporalClient, testConfigInput, withWorker } from '../support/stack';

/** Well-formed EDMX whose only mistake is a key that no <Property> declares. */
const METADATA = `<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="Vendor" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="Office">
        <Key><PropertyRef Name="OfficeKey"/></Key>
        <Property Name="OfficeKeyNumeric" Type="Edm.Int64"/>
        <Property Name="OfficeName" Type="Edm.String" MaxLength="100"/>
        <Property Name="ModificationTimestamp" Type="Edm.DateTimeOffset"/>
      </EntityType>
      <EntityContainer Name="Default"><EntitySet Name="Office" EntityType="Vendor.Office"/></EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>`;

/** Messages of an error and every cause under it. */
function messages(err: unknown): string[] {
  const found: string[] = [];
  for (let e = err as { message?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) found.push(String(e.message));
  return found;
}

describe('sync of a resource its metadata makes unusable', () => {
  let server: Server;
  let config: Config;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/odata/$metadata') {
        res.writeHead(200, { 'Content-Type': 'application/xml' });
        res.end(METADATA);
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end('{"error":{"code":"404","message":"not here"}}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const input = testConfigInput({ simulatorUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/odata`, source: 'vendor' });
    input.sources.vendor!.resources = [{ name: 'Office' }];
    config = parseConfig(input);
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    if (config) await dropDatabases(config);
  });

  it('fails on the first attempt, saying why in one line, with no request but $metadata', async () => {
    await withWorker(config, async () => {
      const client = await temporalClient(config);
      try {
        const handle = await startSync(client, config, 'vendor', 'Office');
        const err = await handle.result().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowFailedError);
        const all = messages(err).join('\n');
        expect(all).toContain('vendor/Office cannot be used: key property "OfficeKey" is not declared as a property');
        expect(all).not.toMatch(/Key column|doesn't exist/);
        // Temporal records an activity's start once, with the attempt it ended on.
        const events = (await handle.fetchHistory()).events ?? [];
        const prepare = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'prepareSync');
        const started = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(prepare?.eventId));
        expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(1);
      } finally {
        await client.connection.close();
      }
    });
    // Nothing but the metadata was asked for.
    expect(requests.every((url) => url === '/odata/$metadata')).toBe(true);
  });
});
