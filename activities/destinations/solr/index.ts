/**
 * The Solr destination: one core (or SolrCloud collection) per resource and per expanded child,
 * fields from $metadata through the Schema API, tolerant JSON updates (a document Solr refuses is a
 * reject, the rest land), an older ModificationTimestamp never overwriting a newer one, children
 * replaced with their parent, a soft commit per page (or commitWithin) and a hard commit per run.
 * It implements the Destination contract; see docs/destinations.md for what it adds to it.
 */
import type { Logger } from 'pino';
import { addFractionUnit, canonicalTimestamp, parseInstant } from '../../common/timestamps';
import type {
  ChildModel,
  ChildWriteResult,
  ConversionNotice,
  Destination,
  HighWaterTie,
  RecordForms,
  ResourceModel,
  SchemaChange,
  StoredCount,
  StoredKey,
  WriteReject,
  SyncCursor,
  WriteResult,
} from '../destination';
import { navigationFields, shapeHooks, shapePage, type ShapedChildren } from '../shape';
import type { SolrDestinationConfig } from './config';
import { prepareDocuments, type PreparedDocuments } from './documents';
import { ID_FIELD, PARENT_KEY_FIELD, toSolrInstant } from './fields';
import { SolrRequestFailed } from './errors';
import { createSolrHttp, type SolrHttp } from './http';
import { anyOf, chunks, TERMS_PER_QUERY } from './query';
import { countDocs, docsWhere, getByIds, idsNotAfter, newestDate, readKeyPage, rowsAt, streamKeyPages } from './reads';
import { applyCore, planChildCore, planCore, type ApplyCoreOptions, type CorePlan, type CoreNaming } from './schema';
import { addDocuments, commit, deleteByIds, deleteWhereAnyOf, fieldOfError, type Visibility } from './updates';

export type { SolrDestinationConfig } from './config';
export { SolrAdminError, SolrRequestFailed, SolrSchemaError, SolrUnavailable } from './errors';

export class SolrDestination implements Destination {
  private readonly http: SolrHttp;
  private readonly plans = new Map<string, CorePlan>();
  private readonly naming: CoreNaming;
  private readonly visibility: Visibility;

  constructor(
    readonly name: string,
    private readonly config: SolrDestinationConfig,
    private readonly logger?: Logger,
  ) {
    this.http = createSolrHttp(config.url, config.requestTimeoutMs);
    this.naming = (source, resource) => config.makeCoreName?.(source, resource) ?? resource;
    this.visibility = config.commitWithinMs !== undefined ? { commitWithinMs: config.commitWithinMs } : {};
  }

  private planned(id: string, make: () => CorePlan): CorePlan {
    let plan = this.plans.get(id);
    if (!plan) {
      plan = make();
      this.plans.set(id, plan);
    }
    return plan;
  }

  /** The core of a resource (its plan: name, fields, cursor). */
  corePlan(resource: ResourceModel): CorePlan {
    return this.planned(`${resource.source}/${resource.resource}`, () => planCore(resource, this.naming));
  }

  /** The core of an expanded navigation, e.g. PropertyMedia. */
  childCorePlan(resource: ResourceModel, child: ChildModel | string): CorePlan {
    const model = typeof child === 'string' ? resource.children?.find((c) => c.navigation === child) : child;
    if (!model) throw new Error(`${resource.resource} does not expand ${String(child)}`);
    return this.planned(`${resource.source}/${resource.resource}/${model.navigation}`, () => planChildCore(resource, model, this.naming));
  }

  private allPlans(resource: ResourceModel): CorePlan[] {
    return [this.corePlan(resource), ...(resource.children ?? []).map((c) => this.childCorePlan(resource, c))];
  }

  async ensureSchema(resource: ResourceModel): Promise<SchemaChange[]> {
    return this.applySchema(resource);
  }

  /** ensureSchema with a dry run: what would change, changing nothing. */
  async applySchema(resource: ResourceModel, options: Pick<ApplyCoreOptions, 'dryRun'> = {}): Promise<SchemaChange[]> {
    const plans = this.allPlans(resource);
    if (this.config.manageSchema === false) return [];
    const changes: SchemaChange[] = [];
    for (const plan of plans) {
      const applied = await applyCore(this.http, plan, {
        ...options,
        ...(this.config.configSetDir ? { configSetDir: this.config.configSetDir } : {}),
        ...(this.config.solrHome ? { solrHome: this.config.solrHome } : {}),
      });
      for (const change of applied) this.logger?.info({ destination: this.name, resource: plan.resource, change }, 'Solr schema change');
      changes.push(...applied);
    }
    return changes;
  }

  async highWaterMark(resource: ResourceModel): Promise<SyncCursor | null> {
    const plan = this.corePlan(resource);
    if (!plan.cursorField) throw new Error(`destination ${this.name}: ${resource.resource} has no cursor field`);
    const newest = await newestDate(this.http, plan.core, plan.cursorField);
    if (!newest) return null;
    const timestamp = canonicalTimestamp(newest);
    if (!timestamp) throw new Error(`destination ${this.name}: unreadable high-water mark ${newest}`);
    // key '' = start at this timestamp inclusive (ties across run boundaries), as for MySQL.
    return { timestamp, key: '' };
  }

  async highWaterTie(resource: ResourceModel): Promise<HighWaterTie | null> {
    const mark = await this.highWaterMark(resource);
    if (!mark) return null;
    const plan = this.corePlan(resource);
    const at = await rowsAt(this.http, plan.core, plan.cursorField!, toSolrInstant(mark.timestamp)!);
    if (at.greatestId === undefined) return null;
    return {
      timestamp: mark.timestamp,
      // A DatePointField keeps milliseconds: every MLS timestamp in [ts, ts + 1 ms) is stored as ts.
      until: addFractionUnit(mark.timestamp, 3),
      rows: at.rows,
      greatestKey: this.mlsKey(resource.resource, at.greatestId),
    };
  }

  async writePage(resource: ResourceModel, sent: Record<string, unknown>[]): Promise<WriteResult> {
    const plan = this.corePlan(resource);
    // One copy per key, transformed, children taken out: the shaping every destination shares.
    const page = shapePage(resource, sent, shapeHooks(this.name, this.config, PARENT_KEY_FIELD, this.logger));
    const parents = prepareDocuments(plan, page.parents, {
      ...this.keyOption(resource.resource),
      ignore: navigationFields(resource),
      original: (i) => page.originals.get(page.parents[i]!)!,
    });
    const rejects: WriteReject[] = [...page.rejects, ...parents.rejects];

    // Older never overwrites newer: compare with what the core holds (real-time get, so documents
    // of earlier pages count even before they are committed). Ties are written (idempotent retries).
    const winners = await this.newerThanStored(plan, parents);
    const toSend = winners.map((i) => parents.docs[i]!);
    const failed = new Set<number>();
    const errors = await addDocuments(this.http, plan.core, toSend, this.visibility);
    const position = new Map(winners.map((i) => [String(parents.docs[i]![ID_FIELD]), i]));
    for (const error of errors) {
      const i = position.get(error.id);
      if (i === undefined)
        throw new Error(`destination ${this.name}: Solr reported an error for unknown document ${error.id}: ${error.message}`);
      failed.add(i);
      rejects.push({
        key: parents.keys[i]!,
        field: fieldOfError(error.message),
        reason: `Solr refused the document: ${error.message}`,
        record: parents.records[i]!,
      });
    }
    // Parents (page positions) whose stored document is now this page's: their children are replaced.
    const written = new Set(winners.filter((i) => !failed.has(i)).map((i) => parents.indices[i]!));

    const result: WriteResult = {
      // As for MySQL: every record accepted, including those kept older than what is stored.
      upserted: parents.docs.length - failed.size,
      rejects,
      skipped: page.skipped,
    };
    const decisions = [...parents.decisions];
    if (resource.children?.length) {
      result.children = [];
      for (const [c, child] of resource.children.entries()) {
        const replaced = await this.replaceChildren(resource, child, page.children[c]!, written, page.storedKeys);
        result.children.push(replaced.result);
        decisions.push(...replaced.decisions);
      }
    }
    if (decisions.length > 0) {
      result.decisions = decisions;
      for (const d of decisions)
        this.logger?.warn({ destination: this.name, resource: resource.resource, ...d }, `values stored by the rule ${d.decision}`);
    }
    if (this.visibility.commitWithinMs === undefined) {
      for (const p of this.allPlans(resource)) await commit(this.http, p.core, 'soft');
    }
    return result;
  }

  /** Positions (in `prepared.docs`) of the documents at least as new as their stored copy. */
  private async newerThanStored(plan: CorePlan, prepared: PreparedDocuments): Promise<number[]> {
    const all = prepared.docs.map((_, i) => i);
    if (!plan.cursorField) return all;
    const field = plan.cursorField;
    const stored = await getByIds(
      this.http,
      plan.core,
      prepared.docs.map((d) => String(d[ID_FIELD])),
      [field],
    );
    return all.filter((i) => {
      const doc = prepared.docs[i]!;
      const have = stored.get(String(doc[ID_FIELD]))?.[field];
      const incoming = doc[field];
      if (typeof have !== 'string') return true;
      if (typeof incoming !== 'string') return false;
      // Both are Solr instants; compared as instants (Solr omits a zero fraction when it prints).
      const [a, b] = [parseInstant(incoming), parseInstant(have)];
      return !a || !b || a.epochSeconds > b.epochSeconds || (a.epochSeconds === b.epochSeconds && a.fraction7 >= b.fraction7);
    });
  }

  private async replaceChildren(
    resource: ResourceModel,
    child: ChildModel,
    staged: ShapedChildren,
    written: Set<number>,
    parentKeys: string[],
  ): Promise<{ result: ChildWriteResult; decisions: ConversionNotice[] }> {
    const plan = this.childCorePlan(resource, child);
    const winners = staged.records.flatMap((_, i) => (written.has(staged.parentOf[i]!) ? [i] : []));
    const prepared = prepareDocuments(
      plan,
      winners.map((i) => staged.records[i]!),
      this.keyOption(child.resource),
    );
    // Parents whose children arrived whole: their stored children go first (an empty list clears them).
    const cleared = [...written].filter((p) => staged.delivered.has(p) && !staged.truncated.has(p)).map((p) => parentKeys[p]!);
    let deleted = 0;
    if (cleared.length > 0) {
      for (const chunk of chunks(cleared, TERMS_PER_QUERY))
        deleted += await countDocs(this.http, plan.core, anyOf(PARENT_KEY_FIELD, chunk));
      await deleteWhereAnyOf(this.http, plan.core, PARENT_KEY_FIELD, cleared, this.visibility);
    }
    const errors = await addDocuments(this.http, plan.core, prepared.docs, this.visibility);
    const byId = new Map(prepared.docs.map((d, i) => [String(d[ID_FIELD]), i]));
    const rejects: WriteReject[] = [...staged.rejects, ...prepared.rejects];
    for (const error of errors) {
      const i = byId.get(error.id);
      rejects.push({
        key: i === undefined ? error.id : prepared.keys[i]!,
        field: fieldOfError(error.message),
        reason: `Solr refused the document: ${error.message}`,
        record: i === undefined ? {} : prepared.records[i]!,
      });
    }
    return {
      result: {
        navigation: child.navigation,
        resource: child.resource,
        parentsReplaced: [...written].filter((p) => staged.delivered.has(p)).length,
        upserted: prepared.docs.length - errors.length,
        deleted,
        rejects,
        skipped: staged.skipped,
      },
      decisions: prepared.decisions,
    };
  }

  async deleteRecords(resource: ResourceModel, keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const plan = this.corePlan(resource);
    const ids = [...new Set(keys.map((k) => this.storedKey(resource.resource, k)))];
    const existing = [...(await getByIds(this.http, plan.core, ids, [])).keys()];
    for (const child of (resource.children ?? []).filter((c) => c.purgeWithParent)) {
      const childPlan = this.childCorePlan(resource, child);
      await deleteWhereAnyOf(this.http, childPlan.core, PARENT_KEY_FIELD, ids, this.visibility);
    }
    await deleteByIds(this.http, plan.core, ids, this.visibility);
    if (this.visibility.commitWithinMs === undefined) for (const p of this.allPlans(resource)) await commit(this.http, p.core, 'soft');
    return existing.length;
  }

  async count(resource: ResourceModel): Promise<number> {
    return countDocs(this.http, this.corePlan(resource).core);
  }

  async readKeys(resource: ResourceModel, after: string | null, limit: number): Promise<StoredKey[]> {
    const plan = this.corePlan(resource);
    return readKeyPage(this.http, plan.core, plan.cursorField, after, limit);
  }

  /** Every stored key in byte order with its cursor, in pages of `pageSize` (cursorMark paging). */
  streamKeys(resource: ResourceModel, pageSize = 10_000): AsyncGenerator<StoredKey[]> {
    const plan = this.corePlan(resource);
    return streamKeyPages(this.http, plan.core, plan.cursorField, pageSize);
  }

  async keysNotAfter(resource: ResourceModel, keys: string[], notAfter: string): Promise<string[]> {
    if (keys.length === 0) return [];
    const bound = toSolrInstant(notAfter);
    if (!bound) throw new Error(`not a timestamp: ${notAfter}`);
    const plan = this.corePlan(resource);
    return idsNotAfter(this.http, plan.core, plan.cursorField, keys, bound);
  }

  /** One stored document by MLS key (real-time get: committed or not), without Solr's own fields; null when absent. */
  async readRecord(resource: ResourceModel, key: string): Promise<Record<string, unknown> | null> {
    const plan = this.corePlan(resource);
    const id = this.storedKey(resource.resource, key);
    const doc = (await getByIds(this.http, plan.core, [id], ['*'])).get(id);
    if (!doc) return null;
    const { _version_: _ignored, ...rest } = doc;
    return rest;
  }

  /** The stored children of one parent (by MLS key) for a navigation, sorted by id. */
  async readChildren(resource: ResourceModel, navigation: string, key: string): Promise<Record<string, unknown>[]> {
    const plan = this.childCorePlan(resource, navigation);
    const docs = await docsWhere(this.http, plan.core, PARENT_KEY_FIELD, this.storedKey(resource.resource, key));
    return docs.map(({ _version_: _ignored, ...rest }) => rest);
  }

  async recordForms(resource: ResourceModel, key: string, record: Record<string, unknown> | null): Promise<RecordForms> {
    const plan = this.corePlan(resource);
    const stored = await this.readRecord(resource, key);
    if (!record) return { store: plan.core, skipped: false, wanted: null, stored };
    // Shaped and converted exactly as writePage does, so only real differences show.
    const page = shapePage(resource, [record], shapeHooks(this.name, this.config, PARENT_KEY_FIELD, this.logger));
    if (page.parents.length === 0) return { store: plan.core, skipped: true, wanted: null, stored };
    const prepared = prepareDocuments(plan, page.parents, { ...this.keyOption(resource.resource), ignore: navigationFields(resource) });
    const reject = prepared.rejects[0] ?? page.rejects[0];
    const wanted = prepared.docs[0] ?? { rejected: reject?.reason ?? 'not storable' };
    return { store: plan.core, skipped: false, wanted, stored };
  }

  /** Documents in the core of an expanded navigation (e.g. PropertyMedia). */
  async countChildren(resource: ResourceModel, navigation: string): Promise<{ store: string; count: number }> {
    const plan = this.childCorePlan(resource, navigation);
    return { store: plan.core, count: await countDocs(this.http, plan.core) };
  }

  /** The dashboard's count: documents and newest cursor of a core found by its name alone (a core not made yet: 0). */
  async storedCount(source: string, resource: string, cursorField: string | null): Promise<StoredCount> {
    const core = this.naming(source, resource);
    try {
      const count = await countDocs(this.http, core);
      const newest = cursorField === null ? undefined : await newestDate(this.http, core, cursorField);
      return { count, newest: (newest && canonicalTimestamp(newest)) ?? null };
    } catch (err) {
      // Solr answers 404 for a core (or collection) it does not have: nothing synced yet.
      if (err instanceof SolrRequestFailed && err.status === 404) return { count: 0, newest: null };
      throw err;
    }
  }

  /** End of a run: a hard commit of every core of the resource (durable and visible). */
  async commit(resource: ResourceModel): Promise<void> {
    for (const plan of this.allPlans(resource)) await commit(this.http, plan.core, 'hard');
  }

  /** The contract's end-of-run step: the hard commit (a second call commits nothing new). */
  async finish(resource: ResourceModel): Promise<void> {
    await this.commit(resource);
  }

  async close(): Promise<void> {
    // got keeps no pool that needs closing; plans are cheap to rebuild.
    this.plans.clear();
  }

  private storedKey(resource: string, key: string): string {
    return this.config.keyMapping ? this.config.keyMapping.toDestination(key, resource) : key;
  }

  private mlsKey(resource: string, stored: string): string {
    return this.config.keyMapping ? this.config.keyMapping.toMls(stored, resource) : stored;
  }

  private keyOption(resource: string): { mapKey?: (key: string) => string } {
    const mapping = this.config.keyMapping;
    return mapping ? { mapKey: (key) => mapping.toDestination(key, resource) } : {};
  }
}
