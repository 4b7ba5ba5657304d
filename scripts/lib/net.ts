// Port helpers for tests and launchers.
import { connect, createServer } from 'node:net';

/**
 * Asks the OS for a currently free TCP port on `host`. There is an unavoidable window
 * between closing the probe socket and the real server binding it; on a dev machine or
 * CI runner that race is rare enough for tests.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => (port ? resolvePromise(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

/**
 * `preferred` when it can be listened on now, else a free port from the OS. For a port derived
 * from another (a second dev server's UI at its port + 1000) that lands in the ephemeral range,
 * where any outgoing connection may be holding it.
 */
export function freePortPreferring(preferred: number, host = '127.0.0.1'): Promise<number> {
  const bare = host.replace(/^\[|\]$/g, '');
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.unref();
    const elsewhere = () => resolvePromise(findFreePort(bare));
    server.once('error', elsewhere);
    try {
      server.listen(preferred, bare, () => server.close(() => resolvePromise(preferred)));
    } catch {
      // Not a port at all (past 65535): listen throws instead of emitting.
      elsewhere();
    }
  });
}

/**
 * True when something accepts TCP connections on host:port. A cheap pre-check before a
 * gRPC probe: the gRPC client keeps retrying a refused connection until its timeout,
 * while a refused TCP connect answers at once.
 */
export function isPortOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const done = (open: boolean) => {
      socket.destroy();
      resolvePromise(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * A launcher's port: the one asked for, else `$<envName>`, else the default. A malformed
 * variable is an error naming it rather than a server on some other port.
 */
export function portFromEnv(explicit: number | undefined, envName: string, fallback: number): number {
  if (explicit !== undefined) return explicit;
  const fromEnv = process.env[envName]?.trim();
  if (!fromEnv) return fallback;
  const parsed = Number(fromEnv);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535) {
    throw new Error(`${envName} must be a TCP port number, got ${JSON.stringify(fromEnv)}`);
  }
  return parsed;
}
