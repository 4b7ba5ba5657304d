/**
 * Which local servers `resync dev` starts besides MariaDB and Temporal: the project's PostgreSQL
 * and Solr launchers (scripts/lib), each only when a destination a source writes to is of that
 * kind and points at this machine, on the port its URL names, and only when nothing listens
 * there yet. A destination elsewhere (a production server) is never started, nor touched here.
 */
import type { Config } from '../../config';
import { isPortOpen } from '../../scripts/lib/net';
import { ensurePostgres, ensureSolr } from '../../scripts/lib/setup-steps';
import { stopPostgres } from '../../scripts/lib/postgres';
import { stopSolr } from '../../scripts/lib/solr';

export interface LocalServerPlan {
  kind: 'postgres' | 'solr';
  host: string;
  port: number;
  /** The destinations served by it (for the log line). */
  destinations: string[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const DEFAULT_PORTS = { postgres: 5432, solr: 8983 } as const;

/** The PostgreSQL and Solr servers the config's used destinations expect on this machine, one per kind and port. */
export function localServerPlans(config: Config): LocalServerPlan[] {
  const used = new Set(Object.values(config.sources).flatMap((s) => s.destinations ?? Object.keys(config.destinations)));
  const plans = new Map<string, LocalServerPlan>();
  for (const [name, dest] of Object.entries(config.destinations)) {
    if (!used.has(name) || (dest.type !== 'postgres' && dest.type !== 'solr')) continue;
    const url = new URL(dest.url);
    if (!LOOPBACK.has(url.hostname)) continue;
    const port = url.port ? Number(url.port) : DEFAULT_PORTS[dest.type];
    const id = `${dest.type}:${port}`;
    const plan = plans.get(id) ?? { kind: dest.type, host: url.hostname.replace(/^\[|\]$/g, ''), port, destinations: [] };
    plan.destinations.push(name);
    plans.set(id, plan);
  }
  return [...plans.values()];
}

/**
 * Starts what the plans need and nothing listens for yet; returns how to stop what it started.
 * Something already listening is left to answer for itself (the first write says if it cannot).
 */
export async function startLocalServers(config: Config, log: (line: string) => void): Promise<(() => Promise<unknown>)[]> {
  const stops: (() => Promise<unknown>)[] = [];
  for (const plan of localServerPlans(config)) {
    const what = `${plan.kind === 'postgres' ? 'PostgreSQL' : 'Solr'} on port ${plan.port} (destination ${plan.destinations.join(', ')})`;
    if (await isPortOpen(plan.host, plan.port)) {
      log(`${what}: already listening`);
      continue;
    }
    const options = { port: plan.port, useEnvUrl: false, log };
    const started = plan.kind === 'postgres' ? await ensurePostgres(options) : await ensureSolr(options);
    log(`${what}: ${started.started ? 'started' : 'already running'} at ${started.url}`);
    if (started.started) stops.push(() => (plan.kind === 'postgres' ? stopPostgres({ port: plan.port }) : stopSolr({ port: plan.port })));
  }
  return stops;
}
