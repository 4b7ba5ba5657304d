/**
 * The logic behind `resync metadata`: load a `$metadata` document and report, per resource,
 * what resync can do with it. The commander wiring and fetching from a source live elsewhere.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { generalProblems, MetadataError, parseEdmx, summarizeResources } from '../../activities/source/metadata';
import type { EdmModel, ResourceSummary } from '../../activities/source/metadata';
import type { Config } from '../../config';
import { operatorPath } from '../../config/operator-path';

/**
 * `resync metadata <file-or-source>`: the report, for a file on disk or a source's live `$metadata`.
 * The config is loaded only for a source. Everything opened to fetch it (the source's request budget
 * keeps a pool on the control database) is closed before returning, so the command exits.
 */
export async function metadataCommand(target: string, opts: { json: boolean }, loadConfig: () => Promise<Config>): Promise<string> {
  const file = operatorPath(target);
  const model = existsSync(file) ? await loadMetadataFile(file) : await fetchSourceMetadata(target, await loadConfig());
  return formatMetadataReport(summarizeResources(model), { json: opts.json, problems: generalProblems(model) });
}

async function fetchSourceMetadata(source: string, config: Config): Promise<EdmModel> {
  if (!config.sources[source]) throw new MetadataError(`${source} is neither a file nor a source in the config`);
  const { Runtime } = await import('../../activities/runtime');
  const pino = (await import('pino')).default;
  const runtime = new Runtime(config, pino({ level: 'silent' }));
  try {
    return await runtime.edmModel(source);
  } finally {
    await runtime.close();
  }
}

export interface MetadataReportOptions {
  json: boolean;
  /** Problems that belong to no resource (see `generalProblems`). */
  problems: string[];
}

/**
 * Renders the report. Resources keep the order they are given in; the JSON form spells out every
 * key in a fixed order so that two reports of the same metadata diff cleanly.
 */
export function formatMetadataReport(summaries: ResourceSummary[], opts: MetadataReportOptions): string {
  return opts.json ? formatJson(summaries, opts.problems) : formatTable(summaries, opts.problems);
}

function formatJson(summaries: readonly ResourceSummary[], problems: readonly string[]): string {
  const resources = summaries.map((s) => ({
    resource: s.resource,
    entityType: s.entityType,
    key: s.key,
    fieldCount: s.fieldCount,
    cursorFields: s.cursorFields,
    problems: s.problems,
  }));
  return JSON.stringify({ resources, problems }, null, 2);
}

const HEADERS = ['RESOURCE', 'KEY', 'FIELDS', 'CURSOR FIELDS'] as const;
const INDENT = '    ';

function formatTable(summaries: readonly ResourceSummary[], problems: readonly string[]): string {
  const rows = summaries.map((s) => [
    // Show the type only when it differs, as it does on servers that pluralise set names.
    s.resource === s.entityType ? s.resource : `${s.resource} (${s.entityType})`,
    s.key.length > 0 ? s.key.join(', ') : '(none)',
    String(s.fieldCount),
    s.cursorFields.length > 0 ? s.cursorFields.join(', ') : '-',
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();

  const out: string[] = [];
  if (summaries.length === 0) out.push('No resources (the metadata declares no entity types).');
  else out.push(line(HEADERS));
  summaries.forEach((summary, i) => {
    out.push(line(rows[i] ?? []));
    for (const problem of summary.problems) out.push(`${INDENT}! ${problem}`);
  });
  if (problems.length > 0) {
    out.push('', `Other problems (${problems.length}):`);
    for (const problem of problems) out.push(`${INDENT}! ${problem}`);
  }
  return out.join('\n');
}

/** Reads and parses a `$metadata` file saved on disk. */
export async function loadMetadataFile(path: string): Promise<EdmModel> {
  let xml: string;
  try {
    xml = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new MetadataError(`metadata file not found: ${path}`, { cause: error });
    }
    if (code === 'EISDIR') {
      throw new MetadataError(`metadata path is a directory, not a file: ${path}`, {
        cause: error,
      });
    }
    throw error;
  }
  try {
    return parseEdmx(xml);
  } catch (error) {
    // Say which file was bad: the parser only knows the text.
    if (error instanceof MetadataError) {
      throw new MetadataError(`${path}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
