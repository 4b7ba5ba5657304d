/**
 * Where a sync benchmark writes: a destination kind on the project's own server (MariaDB,
 * PostgreSQL or Solr, which setup starts), with two places of the same server (end to end, and
 * the writer's ceiling) emptied before a run.
 */
import pg from 'pg';
import { withDatabase } from '../../config';
import { deleteSolrCore } from '../lib/solr-cores';
import { ensurePostgres, ensureSolr } from '../lib/setup-steps';
import { query } from './sql';

export const BENCH_DESTINATIONS = ['mysql', 'postgres', 'solr'] as const;
export type BenchDestinationKind = (typeof BENCH_DESTINATIONS)[number];

export type BenchPlace = 'e2e' | 'ceiling';

export interface BenchTarget {
  kind: BenchDestinationKind;
  /** The destination config writing into one place. */
  config(place: BenchPlace): Record<string, unknown>;
  /** Empties both places (drops the databases, deletes the cores). */
  reset(): Promise<void>;
}

/** `--destination mysql|postgres|solr` (default mysql). */
export function destinationFlag(args: string[]): BenchDestinationKind {
  const i = args.indexOf('--destination');
  if (i < 0) return 'mysql';
  const value = args[i + 1];
  const kind = BENCH_DESTINATIONS.find((k) => k === value);
  if (!kind) throw new Error(`--destination needs one of ${BENCH_DESTINATIONS.join(', ')}, got ${JSON.stringify(value ?? '')}`);
  return kind;
}

const DATABASES: Record<BenchPlace, string> = { e2e: 'resync_bench_sync', ceiling: 'resync_bench_ceiling' };
/** Solr cores: the prefix per place, and the cores a Property sync with Media makes. */
const SOLR_PREFIXES: Record<BenchPlace, string> = { e2e: 'bench_sync_', ceiling: 'bench_ceiling_' };
const SOLR_RESOURCES = ['Property', 'PropertyMedia'];

export async function benchTarget(kind: BenchDestinationKind, mysqlServerUrl: string): Promise<BenchTarget> {
  switch (kind) {
    case 'mysql':
      return {
        kind,
        config: (place) => ({ type: 'mysql', url: withDatabase(mysqlServerUrl, DATABASES[place]) }),
        async reset() {
          for (const db of Object.values(DATABASES)) await query(mysqlServerUrl, `DROP DATABASE IF EXISTS \`${db}\``);
        },
      };
    case 'postgres': {
      const server = (await ensurePostgres()).url;
      const url = (place: BenchPlace) => {
        const u = new URL(server);
        u.pathname = `/${DATABASES[place]}`;
        return u.toString();
      };
      return {
        kind,
        config: (place) => ({ type: 'postgres', url: url(place) }),
        async reset() {
          const client = new pg.Client({ connectionString: server });
          await client.connect();
          try {
            for (const db of Object.values(DATABASES)) await client.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
          } finally {
            await client.end();
          }
        },
      };
    }
    case 'solr': {
      const url = (await ensureSolr()).url;
      return {
        kind,
        config: (place) => ({ type: 'solr', url, corePrefix: SOLR_PREFIXES[place] }),
        async reset() {
          for (const prefix of Object.values(SOLR_PREFIXES)) {
            for (const resource of SOLR_RESOURCES) await deleteSolrCore(url, `${prefix}${resource}`);
          }
        },
      };
    }
  }
}
