/**
 * How closely each destination matches the MLS: per resource, the MLS's `@odata.count` and
 * newest timestamp beside every destination's row count and newest timestamp.
 *
 * Counting asks the MLS (rate-limited, sometimes slow) and may scan a large table, so results
 * are cached per source and refreshed in the background: a page that polls every two seconds
 * reads the cache and never waits on twenty MLSs. Each destination counts its own table or core
 * (Destination.storedCount), found by the config's naming alone, without $metadata, so a source
 * whose MLS is down still shows what its destinations hold.
 *
 * Each count carries the time it was taken, and the verdict (in step, missing N, too many N) is
 * `resync status`'s own (worker/inspect/count-verdict.ts), given the time the newest run of the
 * resource ended: a count older than that run is stale, so it is retaken at once (the MLS's too)
 * and, until then, shown as "recounting" rather than as a difference the run has already made.
 */
import type { Config } from '../../config';
import type { Runtime } from '../../activities/runtime';
import { countUrl as mlsCountUrl, newestUrl as mlsNewestUrl } from '../../activities/source/requests';
import { compareCounts } from '../../worker/inspect/count-verdict';
import type { ChildCounts, CountsResponse, DestinationCount, ResourceCounts } from './api-types';
import { scrub } from './scrub';

/** A count answers for this long before a read triggers a new one. */
const FRESH_MS = 30_000;
/**
 * The MLS side is asked less often: its requests count against the platform's limits, and the
 * dashboard's client is not the worker's, so it does not share the worker's rate limiter.
 */
const MLS_FRESH_MS = 5 * 60_000;
/** Each MLS request of a check gives up after this (a source's own timeout may be a minute). */
const REQUEST_TIMEOUT_MS = 10_000;

interface Entry {
  value: CountsResponse | undefined;
  at: number;
  pending: Promise<CountsResponse> | undefined;
}

/** When the newest run of each resource of a source ended (resource → ISO time), from the run history. */
export type RunEnds = (source: string) => Promise<Map<string, string>>;

export class CountsService {
  private readonly cache = new Map<string, Entry>();
  private readonly mlsCache = new Map<string, { at: number; value: ResourceCounts['mls'] }>();

  constructor(
    private readonly config: Config,
    private readonly runtime: Runtime,
    private readonly freshMs = FRESH_MS,
    private readonly runEnds: RunEnds = () => Promise.resolve(new Map()),
  ) {}

  /**
   * What is known now, never waiting on a count; starts a check when there is none, it is old,
   * or a run ended after it was taken.
   */
  async peek(source: string): Promise<CountsResponse> {
    const entry = this.entry(source);
    const ends = await this.endsOf(source);
    if (!entry.value || Date.now() - entry.at > this.freshMs || takenBefore(entry.value, ends))
      void this.refresh(source).catch(() => undefined);
    return entry.value ? judge(entry.value, ends) : { source, checkedAt: null, status: 'checking', resources: [] };
  }

  /** Fresh counts: waits for a check when asked to, or when none has finished yet. */
  async get(source: string, opts: { refresh?: boolean } = {}): Promise<CountsResponse> {
    const entry = this.entry(source);
    if (opts.refresh || !entry.value) return judge(await this.refresh(source, !!opts.refresh), await this.endsOf(source));
    return this.peek(source);
  }

  /** The history may be out of reach; counts are still worth showing, judged without run ends. */
  private async endsOf(source: string): Promise<Map<string, string>> {
    return this.runEnds(source).catch(() => new Map<string, string>());
  }

  private entry(source: string): Entry {
    let entry = this.cache.get(source);
    if (!entry) {
      entry = { value: undefined, at: 0, pending: undefined };
      this.cache.set(source, entry);
    }
    return entry;
  }

  private refresh(source: string, force = false): Promise<CountsResponse> {
    const entry = this.entry(source);
    entry.pending ??= this.check(source, force)
      .then((value) => {
        entry.value = value;
        entry.at = Date.now();
        return value;
      })
      .finally(() => {
        entry.pending = undefined;
      });
    return entry.pending;
  }

  private async check(source: string, force: boolean): Promise<CountsResponse> {
    const src = this.config.sources[source];
    if (!src) throw new Error(`source "${source}" is not in the config`);
    const destinations = src.destinations ?? Object.keys(this.config.destinations);
    const ends = await this.endsOf(source);
    const resources = await Promise.all(
      src.resources.map(async (r): Promise<ResourceCounts> => {
        // An MLS count from before the resource's last run ended is retaken with the rows.
        const endedAt = ends.get(r.name);
        const [mls, dests, children] = await Promise.all([
          this.cachedMlsCounts(source, r.name, r.cursorField, r.filter, force, endedAt ? Date.parse(endedAt) : 0),
          Promise.all(destinations.map((d) => this.destinationCount(source, d, r.name, r.cursorField))),
          Promise.all((r.expand ?? []).map((e) => this.childCounts(source, destinations, r.name, e.name))),
        ]);
        return { resource: r.name, mls, destinations: dests, children, lastRunEndedAt: endedAt ?? null };
      }),
    );
    return { source, checkedAt: new Date().toISOString(), status: 'checking', resources };
  }

  private async cachedMlsCounts(
    source: string,
    resource: string,
    cursorField: string,
    userFilter: string | undefined,
    force: boolean,
    notBefore: number,
  ) {
    const key = `${source}\u0000${resource}`;
    const cached = this.mlsCache.get(key);
    const fresh = cached && cached.at > notBefore && Date.now() - cached.at < Math.max(this.freshMs, MLS_FRESH_MS);
    if (!force && fresh && !cached.value.error) return cached.value;
    const at = Date.now();
    const value = { ...(await this.mlsCounts(source, resource, cursorField, userFilter)), countedAt: new Date(at).toISOString() };
    this.mlsCache.set(key, { at, value });
    return value;
  }

  /** Rows of an expanded navigation's child table (e.g. PropertyMedia) in each destination. */
  private async childCounts(source: string, destinations: string[], resource: string, navigation: string): Promise<ChildCounts> {
    const child = `${resource}${navigation}`;
    const counts = await Promise.all(
      destinations.map(async (name) => {
        const { count, countedAt, error } = await this.destinationCount(source, name, child, null);
        return { name, count, countedAt, ...(error ? { error } : {}) };
      }),
    );
    return { resource: child, navigation, destinations: counts };
  }

  private async mlsCounts(
    source: string,
    resource: string,
    cursorField: string,
    // The resource's config is read where the request is built (activities/source/requests.ts).
    _userFilter: string | undefined,
  ): Promise<Omit<ResourceCounts['mls'], 'countedAt'>> {
    try {
      const rt = this.runtime.source(source);
      // The requests `resync status` and sync make (activities/source/requests.ts): live records
      // only, the user's filter as the platform takes it (typed enum literals need the metadata).
      const target = {
        src: rt,
        resource: await this.runtime.resourceModel(source, resource, AbortSignal.timeout(REQUEST_TIMEOUT_MS)),
        resourceConfig: this.runtime.resourceConfig(source, resource),
      };
      const countUrl = mlsCountUrl(target, { liveOnly: true });
      const countPage = rt.platform.supportsCount ? rt.http.getCollection(countUrl, AbortSignal.timeout(REQUEST_TIMEOUT_MS)) : undefined;
      const newestUrl = mlsNewestUrl(target);
      const newestPage = rt.platform.orderbyAllowed ? rt.http.getCollection(newestUrl, AbortSignal.timeout(REQUEST_TIMEOUT_MS)) : undefined;
      const [counted, newest] = await Promise.all([countPage, newestPage]);
      const value = newest?.records[0]?.[cursorField];
      return { count: counted?.count ?? null, newest: typeof value === 'string' ? value : null };
    } catch (err) {
      return { count: null, newest: null, error: scrub((err as Error).message) };
    }
  }

  /** Rows and newest cursor value of one table; `cursorField` null: rows only (a child table). */
  private async destinationCount(source: string, name: string, resource: string, cursorField: string | null): Promise<DestinationCount> {
    const base: DestinationCount = {
      name,
      count: null,
      newest: null,
      countedAt: null,
      missing: null,
      extra: null,
      verdict: { state: 'unknown', text: '' },
    };
    if (!this.config.destinations[name]) return { ...base, error: `destination "${name}" is not in the config` };
    try {
      const dest = this.runtime.destinationsFor(source).find((d) => d.name === name);
      if (!dest) return { ...base, error: `source ${source} does not write to destination "${name}"` };
      const { count, newest } = await dest.storedCount(source, resource, cursorField);
      return { ...base, count, newest, countedAt: new Date().toISOString() };
    } catch (err) {
      return { ...base, error: scrub((err as Error).message) };
    }
  }
}

/** Whether any count of `value` was taken before a run of its resource ended. */
function takenBefore(value: CountsResponse, ends: Map<string, string>): boolean {
  return value.resources.some((r) => {
    const ended = ends.get(r.resource);
    if (!ended) return false;
    const times = [r.mls.countedAt, ...r.destinations.map((d) => d.countedAt)].filter((t): t is string => !!t);
    return times.some((t) => Date.parse(t) < Date.parse(ended));
  });
}

/** The verdict of every destination against the run ends known now, and the source's mark. */
function judge(value: CountsResponse, ends: Map<string, string>): CountsResponse {
  const resources = value.resources.map((r): ResourceCounts => {
    const lastRunEndedAt = ends.get(r.resource) ?? r.lastRunEndedAt;
    return {
      ...r,
      lastRunEndedAt,
      destinations: r.destinations.map((d) => {
        const verdict = d.error ? { state: 'unknown' as const, text: '' } : compareCounts(r.mls, d, { lastRunEndedAt });
        const known = verdict.state === 'in-step' || verdict.state === 'missing' || verdict.state === 'too-many';
        return {
          ...d,
          verdict,
          missing: verdict.state === 'missing' ? verdict.difference : known ? 0 : null,
          extra: verdict.state === 'too-many' ? verdict.difference : known ? 0 : null,
        };
      }),
    };
  });
  return { ...value, status: statusOf(resources), resources };
}

function statusOf(resources: ResourceCounts[]): CountsResponse['status'] {
  const verdicts = resources.flatMap((r) => r.destinations.map((d) => d.verdict.state));
  if (verdicts.some((v) => v === 'missing' || v === 'too-many')) return 'mismatch';
  // Counts a run has overtaken are being retaken.
  if (verdicts.some((v) => v === 'not-comparable')) return 'checking';
  // "match" is a promise about every destination; one that could not be counted withholds it.
  return resources.length > 0 && verdicts.every((v) => v === 'in-step') ? 'match' : 'unknown';
}
