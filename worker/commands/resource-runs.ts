/**
 * Starting and watching one process (sync, purge, reconcile) on the resources of a source, for
 * `resync sync|purge|reconcile`. The workflow ID is fixed per process, source and resource, so a
 * start while a run is going joins that run instead of overlapping it (manual or scheduled alike).
 */
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { Config } from '../../config';
import { RESOURCE_WORKFLOW_TYPES, resourceWorkflowId, SEARCH_ATTRIBUTES, type ProcessName } from '../../workflows/names';
import { liveProgress, type LiveProgress } from '../progress';
import { progressPrinter } from '../progress-lines';
import { formatProgress } from '../progress-format';
import { workflowUiUrl } from '../temporal';

export interface ResourceRunOutcome<R = unknown> {
  resource: string;
  workflowId: string;
  ok: boolean;
  result?: R;
  error?: string;
}

const WHAT: Record<ProcessName, string> = {
  sync: 'Incremental sync',
  purge: 'Purge (delete what the MLS no longer has)',
  reconcile: 'Reconcile (re-fetch missing or stale records)',
};

export async function startResourceRun<R = unknown>(
  client: Client,
  config: Config,
  process: ProcessName,
  source: string,
  resource: string,
): Promise<WorkflowHandle<(input: { source: string; resource: string }) => Promise<R>>> {
  const workflowId = resourceWorkflowId(process, source, resource);
  const destinations = (config.sources[source]?.destinations ?? Object.keys(config.destinations)).join(', ');
  return client.workflow.start(RESOURCE_WORKFLOW_TYPES[process], {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [{ source, resource }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `${process} ${source}/${resource}`,
    staticDetails: `${WHAT[process]} of ${resource} from source ${source} into ${destinations}.`,
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.source, value: source },
      { key: SEARCH_ATTRIBUTES.resource, value: resource },
      { key: SEARCH_ATTRIBUTES.process, value: process },
      { key: SEARCH_ATTRIBUTES.records, value: 0 },
    ],
  }) as Promise<WorkflowHandle<(input: { source: string; resource: string }) => Promise<R>>>;
}

export { formatProgress, progressNumbers, type ProgressNumbers } from '../progress-format';

export function resourcesToRun(config: Config, source: string, only?: string[]): string[] {
  const src = config.sources[source];
  if (!src) throw new Error(`source "${source}" is not in the config (known: ${Object.keys(config.sources).join(', ')})`);
  const all = src.resources.map((r) => r.name);
  if (!only || only.length === 0) return all;
  const unknown = only.filter((r) => !all.includes(r));
  if (unknown.length) throw new Error(`source "${source}" has no resource ${unknown.join(', ')} (configured: ${all.join(', ')})`);
  return all.filter((r) => only.includes(r));
}

/** How often `--wait` asks a running workflow for its progress. */
const PROGRESS_POLL_MS = 1000;

export async function waitForResourceRun<R>(
  handle: WorkflowHandle<Workflow>,
  resource: string,
  print: (line: string, final: boolean, progress?: LiveProgress) => void,
): Promise<ResourceRunOutcome<R>> {
  const started = Date.now();
  let stop = false;
  // The wait between progress polls ends early when the run does: the command exits as soon as
  // the result is in, not up to a second later (a no-change sync takes a fraction of that).
  let wake: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pause = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, PROGRESS_POLL_MS);
    });
  const poll = (async () => {
    while (!stop) {
      await pause();
      if (stop) break;
      const progress = await liveProgress(handle);
      if (progress) print(formatProgress(resource, progress, Date.now() - started), false, progress);
    }
  })();
  try {
    const result = (await handle.result()) as R;
    return { resource, workflowId: handle.workflowId, ok: true, result };
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? innermost(err) : (err as Error).message;
    return { resource, workflowId: handle.workflowId, ok: false, error: cause };
  } finally {
    stop = true;
    clearTimeout(timer);
    wake?.();
    await poll;
  }
}

function innermost(err: Error): string {
  let current: unknown = err;
  while (current && typeof current === 'object' && 'cause' in current && (current as { cause?: unknown }).cause) {
    current = (current as { cause: unknown }).cause;
  }
  return current instanceof Error ? current.message : String(current);
}

/** Counts a run reports, in this order when present (sync, purge and reconcile return different ones). */
const COUNTS: [field: string, label: string][] = [
  ['keysStaged', 'keys'],
  ['downloaded', 'downloaded'],
  ['upserted', 'upserted'],
  ['deleted', 'deleted'],
  ['missing', 'missing'],
  ['stale', 'stale'],
  ['restored', 'restored'],
  ['rejected', 'rejected'],
  ['pages', 'pages'],
];

export function describeOutcome(config: Config, o: ResourceRunOutcome): string {
  const link = workflowUiUrl(config, o.workflowId);
  if (!o.ok) return `${o.resource}: FAILED — ${o.error}\n  ${link}`;
  const result = (o.result ?? {}) as Record<string, unknown>;
  const counts = COUNTS.filter(([k]) => typeof result[k] === 'number').map(([k, label]) => `${String(result[k])} ${label}`);
  return `${o.resource}: ok${counts.length ? ` — ${counts.join(', ')}` : ''}\n  ${link}`;
}

export interface RunProcessOptions {
  resource?: string[];
  wait?: boolean;
  json?: boolean;
}

/** The whole `resync <process> <source>` command; returns the exit code (1 when a waited-for run failed). */
export async function runProcessCommand(
  config: Config,
  client: Client,
  processName: ProcessName,
  source: string,
  opts: RunProcessOptions,
): Promise<number> {
  const outcomes: ResourceRunOutcome[] = [];
  for (const resource of resourcesToRun(config, source, opts.resource)) {
    const handle = await startResourceRun(client, config, processName, source, resource);
    if (!opts.wait) {
      console.log(
        opts.json
          ? JSON.stringify({ resource, workflowId: handle.workflowId })
          : `started ${handle.workflowId}  ${workflowUiUrl(config, handle.workflowId)}`,
      );
      continue;
    }
    const printer = progressPrinter({ tty: process.stdout.isTTY === true, json: opts.json === true });
    const outcome = await waitForResourceRun(handle, resource, printer.print);
    printer.end();
    outcomes.push(outcome);
    console.log(opts.json ? JSON.stringify(outcome) : describeOutcome(config, outcome));
  }
  return outcomes.some((o) => !o.ok) ? 1 : 0;
}
