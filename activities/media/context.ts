/**
 * What every media activity starts from: the resource's media config, the files ledgers of the
 * destinations that keep one (ledgers.ts: the first drives, all record), the store, and the request
 * budget media draws from. Stores and budgets are made once per worker and resource.
 */
import { activityInfo, cancellationSignal } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { MediaConfig } from '../../config';
import type { Destination, ResourceModel } from '../destinations';
import type { MediaFilesLedger } from '../destinations/media-files';
import { createAuth, type AuthProvider } from '../source/auth';
import { DbRequestBudget, type RequestBudget } from '../source/rate-budget';
import type { Runtime, SourceRuntime } from '../runtime';
import { MediaUnsupported } from './errors';
import { noLedgerProblem, openMediaLedgers, type MediaLedgers } from './ledgers';
import type { MediaStore } from './store';
import { openMediaStore } from './open-store';

export interface MediaContext {
  src: SourceRuntime;
  resource: ResourceModel;
  media: MediaConfig;
  /** The files ledgers of every destination that keeps one; reads come from the first. */
  ledgers: MediaLedgers;
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

  async store(source: string, resource: string, config: MediaConfig): Promise<MediaStore> {
    const id = `${source}/${resource}`;
    let store = this.stores.get(id);
    if (!store) {
      store = await openMediaStore(config.store);
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

  /** A files table is made once per worker, destination and table (CREATE TABLE IF NOT EXISTS is cheap, but not free). */
  async ensureFiles(destination: Destination, ledger: MediaFilesLedger): Promise<void> {
    const id = `${destination.name}/${ledger.table}`;
    if (this.ready.has(id)) return;
    await ledger.ensure();
    this.ready.add(id);
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

/**
 * Run start (sync, purge, reconcile): a resource that downloads media files needs a destination
 * that can record them; refused before any page is written rather than at the media step.
 */
export function checkMediaDestinations(runtime: Runtime, source: string, resource: string, destinations: readonly Destination[]): void {
  if (!mediaConfigOf(runtime, source, resource)) return;
  const problem = noLedgerProblem(source, resource, destinations);
  if (problem) throw new MediaUnsupported(problem);
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
  const isMediaResource = !resource.children?.some((c) => c.navigation === media.navigation);
  if (isMediaResource && input.resource !== 'Media') {
    throw new MediaUnsupported(`${input.source}/${input.resource} does not expand ${media.navigation}`);
  }
  const ledgers = await openMediaLedgers(
    input.source,
    resource,
    isMediaResource ? null : media.navigation,
    runtime.destinationsFor(input.source),
    (dest, ledger) => resources.ensureFiles(dest, ledger),
  );
  const log = src.logger.child({ resource: input.resource, process, workflowId: activityInfo().workflowExecution?.workflowId });
  return {
    src,
    resource,
    media,
    ledgers,
    store: await resources.store(input.source, input.resource, media),
    budget: resources.budget(input.source, media),
    auth: resources.auth(src),
    log,
    signal,
  };
}
