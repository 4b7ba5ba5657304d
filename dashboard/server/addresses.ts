/**
 * The addresses this dashboard answers to, and the check of every request against them.
 *
 * Binding to 127.0.0.1 keeps other machines out, but not other web sites: a page on
 * evil.example can point its own DNS name at 127.0.0.1 (DNS rebinding) and then read and POST to
 * the dashboard as if it were same-origin — the browser sends `Host: evil.example:4000` and
 * `Origin: http://evil.example:4000`. So every request's Host must name an address the dashboard
 * serves (421 otherwise), and every change must come from the dashboard's own pages: its Origin
 * (or, without one, its Sec-Fetch-Site and Referer) must be one of those addresses too (403).
 */
import { networkInterfaces, hostname as machineName } from 'node:os';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http';

export const ALLOWED_HOSTS_ENV = 'RESYNC_DASHBOARD_ALLOWED_HOSTS';

/** An allow-list entry that is not a host name or address (with an optional port). */
export class InvalidAllowedHost extends Error {
  override readonly name = 'InvalidAllowedHost';
}

/** A host and port as a Host header or an allow-list entry gives them; port null when absent. */
export interface Authority {
  host: string;
  port: number | null;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * `name`, `name:port`, `1.2.3.4[:port]` or `[v6][:port]`, lower-cased, IPv6 in brackets; undefined
 * for anything else (a scheme, a path, a wildcard, a port out of range).
 */
export function parseAuthority(text: string): Authority | undefined {
  const value = text.trim().toLowerCase();
  let host: string;
  let portText: string | undefined;
  if (value.startsWith('[')) {
    const m = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(value);
    if (!m || isIP(m[1]!) !== 6) return undefined;
    host = `[${m[1]!}]`;
    portText = m[2];
  } else {
    const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(value);
    if (!m) return undefined;
    host = m[1]!;
    portText = m[2];
    if (isIP(host) !== 4 && !HOST_NAME.test(host)) return undefined;
  }
  const port = portText === undefined ? null : Number(portText);
  if (port !== null && (port < 1 || port > 65_535)) return undefined;
  return { host, port };
}

/** The allow-list from a CLI flag or the environment: comma- or space-separated entries, each validated. */
export function parseAllowedHosts(entries: string | string[] | undefined, from: string): Authority[] {
  const list = (Array.isArray(entries) ? entries : [entries ?? '']).flatMap((e) => e.split(/[\s,]+/)).filter((e) => e.length > 0);
  return list.map((entry) => {
    const parsed = parseAuthority(entry);
    if (!parsed) {
      throw new InvalidAllowedHost(
        `${from}: "${entry}" is not a host name or address with an optional port (e.g. dash.example.com or dash.example.com:8443); ` +
          'no scheme, path or wildcard',
      );
    }
    return parsed;
  });
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

function bracketed(host: string): string {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return isIP(h) === 6 ? `[${h}]` : h;
}

function isLoopbackName(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/** The names a socket bound to `bindHost` can be reached by on this machine. */
function namesServedAt(bindHost: string): string[] {
  const bind = bracketed(bindHost);
  if (isLoopbackName(bind)) return [...new Set([bind, ...LOOPBACK_NAMES])];
  if (bind === '0.0.0.0' || bind === '[::]') {
    // Every address of every interface, and the machine's own name.
    const addresses = Object.values(networkInterfaces())
      .flat()
      .filter((a) => !!a)
      .map((a) => bracketed(a.address.replace(/%.*$/, '')));
    return [...new Set([...LOOPBACK_NAMES, ...addresses, machineName().toLowerCase()])];
  }
  return [bind];
}

export interface AddressOptions {
  /** The address the server binds. */
  bindHost: string;
  /** The port it serves; null until known (port 0 picks one at listen). */
  port: number | null;
  /** More names it answers to (a reverse proxy's, a tunnel's): entries without a port allow any port. */
  allowed?: Authority[];
}

/** The set of host[:port] values that mean this dashboard. */
export class DashboardAddresses {
  private readonly names: Set<string>;
  private readonly extra: Authority[];
  private port: number | null;

  constructor(opts: AddressOptions) {
    this.names = new Set(namesServedAt(opts.bindHost));
    this.extra = opts.allowed ?? [];
    this.port = opts.port;
  }

  /** Called once the server listens on a port it picked itself. */
  setPort(port: number): void {
    this.port = port;
  }

  /** Whether `host` on `port` (the scheme's default when the header names none) is this dashboard. */
  allows(authority: Authority, defaultPort: number): boolean {
    const port = authority.port ?? defaultPort;
    if (this.names.has(authority.host) && (this.port === null || this.port === port)) return true;
    return this.extra.some((e) => e.host === authority.host && (e.port === null || e.port === port));
  }

  /** For error messages: what it does answer to. */
  describe(): string {
    const served = [...this.names].map((n) => (this.port === null ? n : `${n}:${this.port}`));
    const extra = this.extra.map((e) => (e.port === null ? e.host : `${e.host}:${e.port}`));
    return [...served, ...extra].join(', ');
  }
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** Where a URL (an Origin or a Referer) points: undefined when it is not an http(s) URL. */
function urlAuthority(text: string): { authority: Authority; defaultPort: number } | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const defaultPort = DEFAULT_PORTS[url.protocol];
  const authority = parseAuthority(url.host);
  return defaultPort && authority ? { authority, defaultPort } : undefined;
}

/** Why a change request does not come from the dashboard's own pages; undefined when it does. */
export function foreignOrigin(request: Pick<FastifyRequest, 'headers'>, addresses: DashboardAddresses): string | undefined {
  const { origin, referer } = request.headers;
  const fetchSite = request.headers['sec-fetch-site'];
  if (typeof origin === 'string') {
    const parsed = urlAuthority(origin);
    if (!parsed || !addresses.allows(parsed.authority, parsed.defaultPort)) return `Origin ${JSON.stringify(origin)}`;
    return undefined;
  }
  // Browsers send Origin with every cross-origin POST; without one, the fetch metadata and the
  // Referer are what a browser tells. A client that sends none of them (curl, a script) is no page.
  if (typeof fetchSite === 'string' && fetchSite !== 'same-origin' && fetchSite !== 'none') return `Sec-Fetch-Site: ${fetchSite}`;
  if (typeof referer === 'string') {
    const parsed = urlAuthority(referer);
    if (!parsed || !addresses.allows(parsed.authority, parsed.defaultPort)) return 'its Referer';
  }
  return undefined;
}

/**
 * 421 for a Host that is not this dashboard (every request), 403 for a change from another site and
 * for an API request a browser marks as made by another site (some reads cost MLS requests: counts
 * with refresh, record lookups). The answers never list the names the dashboard serves: a rebinding
 * page reads them as its own origin, and on 0.0.0.0 they would give away every interface address.
 * The log says what was refused and what is served.
 */
export function installAddressGuard(app: FastifyInstance, addresses: DashboardAddresses): void {
  app.addHook('onRequest', async (request) => {
    const header = request.headers.host;
    const authority = typeof header === 'string' ? parseAuthority(header) : undefined;
    if (!authority || !addresses.allows(authority, 80)) {
      request.log.warn({ host: header ?? null, serves: addresses.describe() }, 'request refused: unknown Host');
      throw new HttpError(
        421,
        `this dashboard does not answer to host ${JSON.stringify(header ?? '')} ` +
          `(reached through a proxy or another name? add it with --allow-host or $${ALLOWED_HOSTS_ENV})`,
      );
    }
    const fetchSite = request.headers['sec-fetch-site'];
    if (request.url.startsWith('/api/') && typeof fetchSite === 'string' && fetchSite !== 'same-origin' && fetchSite !== 'none') {
      request.log.warn({ url: request.url, fetchSite }, 'request refused: API called from another site');
      throw new HttpError(403, `the API answers only the dashboard's own pages; this request came with Sec-Fetch-Site: ${fetchSite}`);
    }
    if (!MUTATING.has(request.method)) return;
    const foreign = foreignOrigin(request, addresses);
    if (foreign) {
      request.log.warn({ url: request.url, foreign, serves: addresses.describe() }, 'change refused: foreign origin');
      throw new HttpError(403, `changes are accepted only from the dashboard's own pages; this request came with ${foreign}`);
    }
  });
}
