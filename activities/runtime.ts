/**
 * Long-lived things the activities of one worker share: HTTP clients per source (with their
 * token cache), parsed $metadata per source, destination pools and the stats store. Built lazily
 * so a misconfigured destination only fails the runs that use it.
 */
import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config, ResourceConfig, SourceConfig } from '../config';
import { createDestination, type ChildModel, type Destination, type ResourceModel } from './destinations';
import { createAuth } from './source/auth';
import { createHttpClient, type HttpClient } from './source/http';
import { SendSpacing } from './source/send-spacing';
import { parseEdmx, ResourceUnusable, resolveResource, type EdmModel } from './source/metadata';
import { writeCachedMetadata } from './source/metadata/cache';
import { platformFor, type Platform } from './source/platforms';
import { DbRequestBudget } from './source/rate-budget';
import type { RateLimits } from './source/platforms';
import { StatsStore } from './stats/store';

/** Thrown for a run that names something the config does not have. Non-retryable. */
export class UnknownConfigEntry extends Error {
  override readonly name = 'UnknownConfigEntry';
}

/** Metadata is re-read after this long, so a worker picks up new MLS fields without a restart. */
const METADATA_TTL_MS = 60 * 60 * 1000;

export interface SourceRuntime {
  name: string;
  config: SourceConfig;
  platform: Platform;
  http: HttpClient;
  logger: Logger;
}

export class Runtime {
  private readonly sources = new Map<string, SourceRuntime>();
  private readonly metadata = new Map<string, { at: number; model: Promise<EdmModel> }>();
  private readonly destinations = new Map<string, Destination>();
  private stats: Promise<StatsStore> | undefined;
  private temporal: Promise<Client> | undefined;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
    private readonly sourceLogger: (source: string) => Logger = (source) => logger.child({ source }),
  ) {}

  source(name: string): SourceRuntime {
    let rt = this.sources.get(name);
    if (!rt) {
      const config = this.config.sources[name];
      if (!config) throw new UnknownConfigEntry(`source "${name}" is not in the config`);
      rt = {
        name,
        config,
        platform: platformFor(config.platform),
        http: createHttpClient({
          auth: createAuth(config.auth, config.requestTimeoutMs),
          timeoutMs: config.requestTimeoutMs,
          // Budgets live in the control DB: shared by every process and worker, kept across restarts.
          limiter: this.requestBudget(name, { ...platformFor(config.platform).rateLimits, ...config.rateLimits }),
          spacing: new SendSpacing({ ...platformFor(config.platform).rateLimits, ...config.rateLimits }),
        }),
        logger: this.sourceLogger(name),
      };
      this.sources.set(name, rt);
    }
    return rt;
  }

  private readonly budgets = new Map<string, DbRequestBudget>();

  /** The request budget of a source (one per source per worker, backed by the control DB). */
  requestBudget(source: string, limits?: RateLimits): DbRequestBudget {
    let budget = this.budgets.get(source);
    if (!budget) {
      const config = this.config.sources[source];
      if (!config) throw new UnknownConfigEntry(`source "${source}" is not in the config`);
      budget = new DbRequestBudget(
        async () => (await this.statsStore()).pool,
        source,
        limits ?? { ...platformFor(config.platform).rateLimits, ...config.rateLimits },
      );
      this.budgets.set(source, budget);
    }
    return budget;
  }

  resourceConfig(source: string, resource: string): ResourceConfig {
    const found = this.source(source).config.resources.find((r) => r.name === resource);
    if (!found) throw new UnknownConfigEntry(`resource "${resource}" is not configured for source "${source}"`);
    return found;
  }

  async edmModel(source: string, signal?: AbortSignal): Promise<EdmModel> {
    const cached = this.metadata.get(source);
    if (cached && Date.now() - cached.at < METADATA_TTL_MS) return cached.model;
    const rt = this.source(source);
    const model = rt.http.getText(`${rt.config.url.replace(/\/+$/, '')}/$metadata`, signal).then(async (xml) => {
      const parsed = parseEdmx(xml);
      // The copy `config check` falls back on when the MLS does not answer it.
      const failed = await writeCachedMetadata(rt.config.url, xml);
      if (failed) rt.logger.warn({ err: failed.message }, 'could not keep a copy of $metadata for config check');
      return parsed;
    });
    this.metadata.set(source, { at: Date.now(), model });
    model.catch(() => this.metadata.delete(source));
    return model;
  }

  async resourceModel(source: string, resource: string, signal?: AbortSignal): Promise<ResourceModel> {
    const resourceConfig = this.resourceConfig(source, resource);
    const model = await this.edmModel(source, signal);
    const { entity, unusable } = resolveResource(model, resource);
    // One line saying why, before a DDL statement or a request fails on it in other words.
    if (unusable !== undefined) throw new ResourceUnusable(`${source}/${resource}`, unusable);
    if (!entity) throw new UnknownConfigEntry(`source "${source}" has no resource "${resource}" in its $metadata`);
    const keyField = entity.key[0]!;
    if (!entity.fields.some((f) => f.name === resourceConfig.cursorField)) {
      throw new UnknownConfigEntry(`${source}/${resource}: cursor field ${resourceConfig.cursorField} is not in $metadata`);
    }
    const children = (resourceConfig.expand ?? []).map((item): ChildModel => {
      const nav = entity.navigation.find((n) => n.name === item.name);
      if (!nav) {
        const known = entity.navigation.map((n) => n.name).join(', ') || 'none';
        throw new UnknownConfigEntry(
          `${source}/${resource}: expand "${item.name}" is not a navigation property of ${entity.name} in $metadata (it has: ${known})`,
        );
      }
      const target = Object.hasOwn(model.entityTypes, nav.targetType) ? model.entityTypes[nav.targetType] : undefined;
      if (!target)
        throw new UnknownConfigEntry(
          `${source}/${resource}: expand "${item.name}" targets ${nav.targetType}, which $metadata does not declare`,
        );
      const childKey = target.key[0];
      if (!childKey)
        throw new UnknownConfigEntry(`${source}/${resource}: expand "${item.name}": $metadata declares no key for ${target.name}`);
      return {
        navigation: nav.name,
        resource: `${resource}${nav.name}`,
        entity: target,
        keyField: childKey,
        purgeWithParent: item.purgeWithParent,
      };
    });
    // Children point at their parent through one column.
    if (children.length > 0 && entity.key.length > 1) {
      throw new UnknownConfigEntry(
        `${source}/${resource}: expand needs a single-field key, and ${entity.name} has ${entity.key.join(', ')}`,
      );
    }
    return {
      source,
      resource,
      entity,
      model,
      keyField,
      cursorField: resourceConfig.cursorField,
      ...(children.length > 0 ? { children } : {}),
    };
  }

  /** The destinations a source writes to, in config order; the first one holds the high-water mark. */
  destinationsFor(source: string): Destination[] {
    const names = this.source(source).config.destinations ?? Object.keys(this.config.destinations);
    return names.map((name) => {
      let dest = this.destinations.get(name);
      if (!dest) {
        const config = this.config.destinations[name];
        if (!config) throw new UnknownConfigEntry(`destination "${name}" is not in the config`);
        dest = createDestination(name, config, this.logger.child({ destination: name }));
        this.destinations.set(name, dest);
      }
      return dest;
    });
  }

  async statsStore(): Promise<StatsStore> {
    this.stats ??= StatsStore.open(this.config.control.url).then(async (s) => {
      await s.migrate();
      return s;
    });
    this.stats.catch(() => (this.stats = undefined));
    return this.stats;
  }

  /**
   * A Temporal client for activities that act on Temporal itself (pausing a schedule). Made on
   * first use: most workers' activities never need one.
   */
  async temporalClient(): Promise<Client> {
    this.temporal ??= Connection.connect({ address: this.config.temporal.address, connectTimeout: '10s' }).then(
      (connection) => new Client({ connection, namespace: this.config.temporal.namespace }),
    );
    this.temporal.catch(() => (this.temporal = undefined));
    return this.temporal;
  }

  private readonly closers: (() => Promise<void>)[] = [];

  /** Something activities made for themselves (media stores) that closes with the runtime. */
  onClose(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  async close(): Promise<void> {
    await Promise.all(this.closers.map((c) => c().catch(() => undefined)));
    await Promise.all([...this.budgets.values()].map((b) => b.flush().catch(() => undefined)));
    const temporal = await this.temporal?.catch(() => undefined);
    await temporal?.connection.close().catch(() => undefined);
    await Promise.all([...this.destinations.values()].map((d) => d.close().catch(() => undefined)));
    const stats = await this.stats?.catch(() => undefined);
    await stats?.close().catch(() => undefined);
  }
}
