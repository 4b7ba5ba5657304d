/**
 * A short, stable digest of what decides where a config's data comes from and where it goes. Two
 * workers polling one task queue take each other's tasks, so they must run the same config; the
 * worker puts this fingerprint in its Temporal identity and refuses to start beside a worker
 * whose fingerprint differs (worker/task-queue-guard.ts).
 *
 * Covered, per source: platform, originating system, base URL, resources (name, filter, select,
 * expand, cursor field) and the destinations it writes to, each as type and URL. Left out: tuning
 * (page sizes, rate limits, timeouts, schedules), destinations no source writes to, and function
 * hooks (their source text differs between the sources and the build). Credentials never enter
 * it: user names, passwords and secret-looking query parameters are removed from URLs first.
 * Object keys are sorted, and so are lists whose order means nothing, so the same config written
 * in another order has the same fingerprint.
 */
import { createHash } from 'node:crypto';
import type { Config, ResourceConfig, SourceConfig } from './schema';

/** Hex digits kept of the SHA-256: enough to tell configs apart, short enough to read in a log. */
const LENGTH = 12;

/** The config's fingerprint (all its sources), e.g. `3f9a0c12be47`. */
export function configFingerprint(config: Config): string {
  const sources = Object.fromEntries(Object.keys(config.sources).map((name) => [name, sourceDescription(config, name)]));
  return digest({ sources });
}

/** One source's fingerprint: changes when anything deciding where this source's data comes from or goes changes. */
export function sourceFingerprint(config: Config, source: string): string {
  return digest(sourceDescription(config, source));
}

/** What the fingerprint of one source is computed from (no secrets), for tests and for telling what differs. */
export function sourceDescription(config: Config, source: string): Record<string, unknown> {
  const s: SourceConfig | undefined = config.sources[source];
  if (!s) throw new Error(`source "${source}" is not in the config`);
  const destinationNames = s.destinations ?? Object.keys(config.destinations);
  return {
    platform: s.platform,
    originatingSystemName: s.originatingSystemName,
    url: withoutCredentials(s.url),
    resources: [...s.resources].sort((a, b) => compare(a.name, b.name)).map(resourceDescription),
    destinations: Object.fromEntries(
      [...destinationNames].sort(compare).map((name) => [name, destinationDescription(config.destinations[name])]),
    ),
  };
}

function resourceDescription(r: ResourceConfig): Record<string, unknown> {
  return {
    name: r.name,
    filter: r.filter,
    select: r.select ? [...r.select].sort(compare) : undefined,
    cursorField: r.cursorField,
    expand: r.expand
      ? [...r.expand]
          .sort((a, b) => compare(a.name, b.name))
          .map((e) => ({ name: e.name, select: e.select ? [...e.select].sort(compare) : undefined }))
      : undefined,
  };
}

/**
 * Type, URL without credentials and, where the type has them, the database schema (PostgreSQL) and
 * the core name prefix (Solr). Read through a plain record so every destination type is described
 * the same way.
 */
function destinationDescription(destination: unknown): Record<string, unknown> {
  const d = typeof destination === 'object' && destination !== null ? (destination as Record<string, unknown>) : {};
  return {
    type: typeof d.type === 'string' ? d.type : undefined,
    url: typeof d.url === 'string' ? withoutCredentials(d.url) : undefined,
    schema: typeof d.schema === 'string' ? d.schema : undefined,
    corePrefix: typeof d.corePrefix === 'string' ? d.corePrefix : undefined,
  };
}

/** Query parameters that may carry a secret (`?password=…`, `?sslpassword=…`, `?token=…`). */
const SECRET_PARAM = /pass|secret|token|key|auth|credential/i;

/** The URL with user name, password and secret-looking query parameters removed. */
export function withoutCredentials(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Validation accepts only URLs that parse; should one not, drop anything before an `@`.
    return url.replace(/\/\/[^/@]*@/, '//');
  }
  parsed.username = '';
  parsed.password = '';
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) parsed.searchParams.delete(name);
  }
  return parsed.toString();
}

function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, LENGTH);
}

/** JSON with object keys sorted and undefined members left out, so property order never matters. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compare(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
