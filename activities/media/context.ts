/**
 * What every media activity starts from: the resource's media config, its Media table and files
 * table in the first destination (the one that also holds the high-water mark), the store, and the
 * request budget media draws from. Stores and budgets are made once per worker and resource.
 */
import { activityInfo, cancellationSignal } from '@temporalio/activity';
import type { Pool } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { MediaConfig } from '../../config';
import { MysqlDestination } from '../destinations/mysql';
import { ensureFilesTable, mediaTables, type MediaTables } from '../destinations/mysql/media-files';
import type { ResourceModel } from '../destinations';
import { createAuth, type AuthProvider } from '../source/auth';
import { DbRequestBudget, type RequestBudget } from '../source/rate-budget';
import type { Runtime, SourceRuntime } from '../runtime';
import { MediaUnsupported } from './errors';
import type { MediaStore } from './store';
import { openMediaStore } from './open-store';

export interface MediaContext {
  src: SourceRuntime;
  resource: ResourceModel;
  media: MediaConfig;
  pool: Pool;
  tables: MediaTables;
  store: MediaStore;
  budget: RequestBudget;
  auth: AuthProvider;
  log: Logger;
  signal: AbortSignal;
}

/** Per-worker cache of stores and media budgets, closed with the runtime. */
export class MediaResources {
  private readonly stores = new Map<string, MediaStore>();
  private readonly budgets = new Map<string, DbRequestBudget>();
  private readonly ready = new Set<string>();
  private readonly auths = new Map<string, AuthProvider>();

  constructor(private readonly runtime: Runtime) {}

  store(source: string, resource: string, config: MediaConfig): MediaStore {
    const id = `${source}/${resource}`;
    let store = this.stores.get(id);
    if (!store) {
      store = openMediaStore(config.store);
      this.stores.set(id, store);
    }
    return store;
  }

  /** The source's credentials for media requests (MLS Grid wants its token as the User-Agent). */
  auth(source: SourceRuntime): AuthProvider {
    let auth = this.auths.get(source.name);
    if (!auth) {
      auth = createAuth(source.config.auth, source.config.requestTimeoutMs);
      this.auths.set(source.name, auth);
    }
    return auth;
  }

  /** A media quota of its own (`media.rateLimits`), else the source's own budget. */
  budget(source: string, config: MediaConfig): RequestBudget {
    if (!config.rateLimits) return this.runtime.requestBudget(source);
    let budget = this.budgets.get(source);
    if (!budget) {
      budget = new DbRequestBudget(async () => (await this.runtime.statsStore()).pool, `${source}:media`, config.rateLimits);
      this.budgets.set(source, budget);
    }
    return budget;
  }

  /** The files table is made once per worker and table (CREATE TABLE IF NOT EXISTS is cheap, but not free). */
  async ensureFiles(pool: Pool, tables: MediaTables): Promise<void> {
    if (this.ready.has(tables.files)) return;
    await ensureFilesTable(pool, tables);
    this.ready.add(tables.files);
  }

  async close(): Promise<void> {
    await Promise.all([...this.budgets.values()].map((b) => b.flush().catch(() => undefined)));
    await Promise.all([...this.stores.values()].map((s) => s.close().catch(() => undefined)));
    this.stores.clear();
  }
}

/** The media config of a resource, or null when it downloads no files. */
export function mediaConfigOf(runtime: Runtime, source: string, resource: string): MediaConfig | null {
  return runtime.resourceConfig(source, resource).media ?? null;
}

export async function mediaContext(
  runtime: Runtime,
  resources: MediaResources,
  input: { source: string; resource: string },
  process: string,
): Promise<MediaContext> {
  const media = mediaConfigOf(runtime, input.source, input.resource);
  if (!media) throw new MediaUnsupported(`${input.source}/${input.resource} has no media config`);
  const src = runtime.source(input.source);
  const signal = cancellationSignal();
  const resource = await runtime.resourceModel(input.source, input.resource, signal);
  const dest = runtime.destinationsFor(input.source)[0];
  if (!(dest instanceof MysqlDestination)) {
    throw new MediaUnsupported(
      `${input.source}/${input.resource}: media files are recorded in a MySQL destination; ${dest?.name} is not one`,
    );
  }
  const isMediaResource = !resource.children?.some((c) => c.navigation === media.navigation);
  if (isMediaResource && input.resource !== 'Media') {
    throw new MediaUnsupported(`${input.source}/${input.resource} does not expand ${media.navigation}`);
  }
  const plan = isMediaResource ? dest.tablePlan(resource) : dest.childTablePlan(resource, media.navigation);
  const tables = mediaTables(plan, isMediaResource ? 'ResourceRecordKey' : null);
  const pool = await dest.connection();
  await resources.ensureFiles(pool, tables);
  const log = src.logger.child({ resource: input.resource, process, workflowId: activityInfo().workflowExecution?.workflowId });
  return {
    src,
    resource,
    media,
    pool,
    tables,
    store: resources.store(input.source, input.resource, media),
    budget: resources.budget(input.source, media),
    auth: resources.auth(src),
    log,
    signal,
  };
}
