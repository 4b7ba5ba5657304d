/**
 * `resync config check`: every problem of a config in one pass. The schema's problems (all of them,
 * see configSchema), then what only the MLS can tell: each resource's `$filter` must parse, and
 * where the source's `$metadata` is reachable, the resource, its `cursorField`, the fields its
 * `$filter` and `$select` name and its `$expand` must exist there. A source whose own settings are
 * wrong is still checked against its metadata when they are usable, so fixing one problem never
 * reveals the next.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, configPathFrom, parseConfig, type Config, type ResourceConfig } from '../../config';
import { importModule } from '../../config/load';
import { resourceSchema, sourceSchema } from '../../config/schema';
import { FilterSyntaxError, parseFilter, type FilterExpr, type Operand } from '../../activities/common/odata/filter';
import { cursorFields, parseEdmx, resolveResource, type EdmModel } from '../../activities/source/metadata';
import { readCachedMetadata, writeCachedMetadata } from '../../activities/source/metadata/cache';

export interface ConfigCheckReport {
  file: string;
  /** One line each, `path: what is wrong`; any makes the check fail. */
  problems: string[];
  /** What could not be checked, and why (an unreachable MLS); they do not fail the check. */
  notes: string[];
  /** The validated config, when the schema found nothing wrong. */
  config?: Config;
}

export interface ConfigCheckOptions {
  /** Fetch each source's `$metadata` (default true); `--offline` turns it off. */
  metadata?: boolean;
  /** Cap on the `$metadata` request, below the source's own timeout. */
  metadataTimeoutMs?: number;
}

const METADATA_TIMEOUT_MS = 15_000;

export async function checkConfigFile(explicit: string | undefined, opts: ConfigCheckOptions = {}): Promise<ConfigCheckReport> {
  const file = configPathFrom(explicit);
  const report: ConfigCheckReport = { file, problems: [], notes: [] };
  if (!existsSync(file)) {
    report.problems.push('file not found');
    return report;
  }
  let exported: unknown;
  try {
    exported = ((await importModule(file)) as { default?: unknown }).default;
  } catch (err) {
    report.problems.push(`could not be loaded: ${(err as Error).message}`);
    return report;
  }
  if (exported === undefined) {
    report.problems.push('has no default export (export default defineConfig({...}))');
    return report;
  }
  try {
    report.config = parseConfig(exported, file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    report.problems.push(...err.problems);
  }
  if (report.config && Object.values(report.config.sources).some((s) => s.resources.some((r) => r.media))) {
    const { mediaDestinationProblems } = await import('../../activities/media/config-problems');
    report.problems.push(...(await mediaDestinationProblems(report.config)));
  }

  for (const { name, connection, resources } of usableSources(exported)) {
    for (const [i, resource] of resources) {
      if (resource.filter === undefined) continue;
      const syntax = filterSyntax(resource.filter);
      if (syntax.problem) report.problems.push(`sources.${name}.resources.${i}.filter: ${syntax.problem}`);
      if (syntax.note) report.notes.push(`sources.${name}.resources.${i}.filter: ${syntax.note}`);
    }
    if (!connection || resources.length === 0) continue;
    const model = await modelToCheckAgainst(name, connection, opts, report.notes);
    if (!model) continue;
    report.problems.push(...metadataProblems(name, resources, model));
  }
  return report;
}

/**
 * The source's `$metadata`: fetched (and kept), else the copy a worker or an earlier check kept,
 * else nothing, with a note saying which. `--offline` reads only the kept copy.
 */
async function modelToCheckAgainst(
  name: string,
  connection: Connection,
  opts: ConfigCheckOptions,
  notes: string[],
): Promise<EdmModel | undefined> {
  let why = 'offline';
  if (opts.metadata !== false) {
    try {
      return await fetchMetadata(connection, opts.metadataTimeoutMs ?? METADATA_TIMEOUT_MS);
    } catch (err) {
      why = `it did not answer: ${(err as Error).message}`;
    }
  }
  const cached = await cachedModel(connection.url);
  if (!cached) {
    // Offline was asked for: not checking against $metadata is then no news.
    if (opts.metadata === false) return undefined;
    notes.push(
      `sources.${name}: $metadata not checked (${why}); resources, cursorField and $filter fields will be checked at the first run`,
    );
    return undefined;
  }
  notes.push(`sources.${name}: $metadata checked against the copy kept on ${cached.fetchedAt.toISOString()} (${why})`);
  return cached.model;
}

/** What a source needs to be asked for its `$metadata`. */
const connectionSchema = z.object(sourceSchema.pick({ platform: true, url: true, auth: true, requestTimeoutMs: true }).shape);
type Connection = z.output<typeof connectionSchema>;

interface UsableSource {
  name: string;
  /** Undefined when the URL or the credentials are themselves wrong (already a problem). */
  connection: Connection | undefined;
  /** The resources that parse, with defaults applied, by their index in the config. */
  resources: [number, ResourceConfig][];
}

/**
 * Each source's parts that parse on their own: a bad cron or a mistyped resource elsewhere does
 * not stop the other resources from being checked against the MLS.
 */
function usableSources(exported: unknown): UsableSource[] {
  const sources = (exported as { sources?: unknown } | null)?.sources;
  if (typeof sources !== 'object' || sources === null) return [];
  return Object.entries(sources).map(([name, raw]) => {
    const connection = connectionSchema.safeParse(raw);
    const list = (raw as { resources?: unknown } | null)?.resources;
    const resources: [number, ResourceConfig][] = [];
    (Array.isArray(list) ? list : []).forEach((item, i) => {
      const parsed = resourceSchema.safeParse(item);
      if (parsed.success) resources.push([i, parsed.data]);
    });
    return { name, connection: connection.success ? connection.data : undefined, resources };
  });
}

async function fetchMetadata(source: Connection, timeoutMs: number): Promise<EdmModel> {
  const { createAuth } = await import('../../activities/source/auth');
  const { createHttpClient } = await import('../../activities/source/http');
  const timeout = Math.min(source.requestTimeoutMs, timeoutMs);
  // One request, outside the source's request budget: the budget lives in the control DB, which
  // a config check must not need.
  const http = createHttpClient({ auth: createAuth(source.auth, timeout), timeoutMs: timeout });
  const xml = await http.getText(`${source.url.replace(/\/+$/, '')}/$metadata`);
  const model = parseEdmx(xml);
  await writeCachedMetadata(source.url, xml); // best effort: a check never fails on its cache
  return model;
}

/** The copy a worker or an earlier check kept, when it still parses. */
async function cachedModel(url: string): Promise<{ model: EdmModel; fetchedAt: Date } | undefined> {
  const cached = await readCachedMetadata(url);
  if (!cached) return undefined;
  try {
    return { model: parseEdmx(cached.xml), fetchedAt: cached.fetchedAt };
  } catch {
    return undefined;
  }
}

/**
 * A `$filter` that does not parse is a problem; one using what the parser does not follow
 * (functions such as `contains()`, arithmetic) is left to the MLS, with a note.
 */
export function filterSyntax(filter: string): { problem?: string; note?: string; expr?: FilterExpr } {
  try {
    return { expr: parseFilter(filter) };
  } catch (err) {
    if (!(err instanceof FilterSyntaxError)) throw err;
    if (/ is not supported/.test(err.message)) return { note: `not checked: ${err.message}` };
    return { problem: `is not a valid OData $filter: ${err.message}` };
  }
}

/** What the metadata says is wrong with each of the source's resources, one line each. */
export function metadataProblems(sourceName: string, resources: Iterable<[number, ResourceConfig]>, model: EdmModel): string[] {
  const problems: string[] = [];
  for (const [i, resource] of resources) {
    const at = `sources.${sourceName}.resources.${i}`;
    const { entity, unusable } = resolveResource(model, resource.name);
    if (unusable !== undefined) {
      problems.push(`${at}.name: ${resource.name} cannot be used: ${unusable}`);
      continue;
    }
    if (!entity) {
      const known = model.entitySets.map((s) => s.name);
      problems.push(`${at}.name: "${resource.name}" is not a resource in $metadata (it has: ${known.join(', ') || 'none'})`);
      continue;
    }
    const fields = new Set(entity.fields.map((f) => f.name));
    if (!fields.has(resource.cursorField)) {
      const candidates = cursorFields(entity);
      const hint = candidates.length > 0 ? `; it has ${candidates.join(', ')}` : '';
      problems.push(`${at}.cursorField: "${resource.cursorField}" is not a field of ${entity.name} in $metadata${hint}`);
    }
    const expr = resource.filter === undefined ? undefined : filterSyntax(resource.filter).expr;
    const unknownInFilter = expr ? [...new Set(fieldsOf(expr))].filter((f) => !fields.has(f)) : [];
    if (unknownInFilter.length > 0) {
      problems.push(
        `${at}.filter: ${quoteList(unknownInFilter)} ${unknownInFilter.length === 1 ? 'is not a field' : 'are not fields'} of ${entity.name} in $metadata`,
      );
    }
    const unknownInSelect = (resource.select ?? []).filter((f) => !fields.has(f));
    if (unknownInSelect.length > 0) {
      problems.push(
        `${at}.select: ${quoteList(unknownInSelect)} ${unknownInSelect.length === 1 ? 'is not a field' : 'are not fields'} of ${entity.name} in $metadata`,
      );
    }
    const navigation = new Set(entity.navigation.map((n) => n.name));
    (resource.expand ?? []).forEach((item, j) => {
      if (!navigation.has(item.name)) {
        problems.push(
          `${at}.expand.${j}.name: "${item.name}" is not a navigation property of ${entity.name} in $metadata (it has: ${[...navigation].join(', ') || 'none'})`,
        );
      }
    });
  }
  return problems;
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/** Every field name a filter compares or tests. */
function fieldsOf(expr: FilterExpr): string[] {
  const of = (operand: Operand): string[] => (operand.kind === 'field' ? [operand.name] : []);
  switch (expr.kind) {
    case 'and':
    case 'or':
      return expr.terms.flatMap(fieldsOf);
    case 'not':
      return fieldsOf(expr.expr);
    case 'compare':
      return [...of(expr.left), ...of(expr.right)];
    case 'in':
    case 'value':
      return of(expr.operand);
  }
}

/**
 * The report as the CLI prints it: the problems (for stderr, in the format every command uses for
 * a bad config), and on stdout what was not checked and, for a valid config, its summary.
 */
export function formatConfigCheck(report: ConfigCheckReport): { stdout: string; stderr: string } {
  const out: string[] = [];
  if (report.problems.length === 0) out.push(`config OK: ${report.file}`);
  if (report.notes.length > 0) out.push('not checked:', ...report.notes.map((n) => `  - ${n}`));
  if (report.config && report.problems.length === 0) out.push(JSON.stringify(configSummary(report.config), null, 2));
  const stderr = report.problems.length > 0 ? [`Invalid config ${report.file}:`, ...report.problems.map((p) => `  - ${p}`)].join('\n') : '';
  return { stdout: out.join('\n'), stderr };
}

export function configSummary(config: Config) {
  return {
    sources: Object.fromEntries(
      Object.entries(config.sources).map(([name, s]) => [
        name,
        {
          platform: s.platform,
          url: s.url,
          resources: s.resources.map((r) => r.name),
          destinations: s.destinations ?? Object.keys(config.destinations),
        },
      ]),
    ),
    destinations: Object.keys(config.destinations),
    taskQueue: config.temporal.taskQueue,
  };
}
