/**
 * freePortPreferring (scripts/lib/net.ts): a second dev server's UI port is its gRPC port + 1000,
 * which can be taken by anything; then another free port is used instead of failing the start.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort, freePortPreferring } from '../../scripts/lib/net';

const held: Server[] = [];
afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function hold(port: number): Promise<void> {
  const server = createServer();
  held.push(server);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

describe('freePortPreferring', () => {
  it('gives the preferred port when it is free', async () => {
    const port = await findFreePort();
    expect(await freePortPreferring(port)).toBe(port);
  });

  it('gives another free port when the preferred one is taken', async () => {
    const port = await findFreePort();
    await hold(port);
    const other = await freePortPreferring(port);
    expect(other).not.toBe(port);
    // Free indeed: it can be listened on.
    await hold(other);
  });

  it('gives a free port for one past the last port number', async () => {
    expect(await freePortPreferring(70_000)).toBeLessThanOrEqual(65_535);
  });
});
