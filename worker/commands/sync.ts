/**
 * `resync sync <source>`: starts syncResource for each resource (or joins the run already going:
 * the workflow ID is fixed, so a manual and a scheduled run can never overlap) and, with --wait,
 * shows progress until it ends.
 */
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Config } from '../../config';
import { resourceWorkflowId, SEARCH_ATTRIBUTES } from '../../workflows/names';
import type { syncResource } from '../../workflows/sync';
import { liveProgress, type LiveProgress } from '../progress';
import { workflowUiUrl } from '../temporal';

export interface SyncOutcome {
  resource: string;
  workflowId: string;
  ok: boolean;
  result?: Awaited<ReturnType<typeof syncResource>>;
  error?: string;
}

export async function startSync(client: Client, config: Config, source: string, resource: string): Promise<WorkflowHandle<typeof syncResource>> {
  const workflowId = resourceWorkflowId('sync', source, resource);
  return client.workflow.start('syncResource', {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [{ source, resource }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `sync ${source}/${resource}`,
    staticDetails: `Incremental sync of ${resource} from source ${source} into ${(config.sources[source]?.destinations ?? Object.keys(config.destinations)).join(', ')}.`,
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.source, value: source },
      { key: SEARCH_ATTRIBUTES.resource, value: resource },
      { key: SEARCH_ATTRIBUTES.process, value: 'sync' },
      { key: SEARCH_ATTRIBUTES.records, value: 0 },
    ],
  }) as Promise<WorkflowHandle<typeof syncResource>>;
}

export function resourcesToRun(config: Config, source: string, only?: string[]): string[] {
  const src = config.sources[source];
  if (!src) throw new Error(`source "${source}" is not in the config (known: ${Object.keys(config.sources).join(', ')})`);
  const all = src.resources.map((r) => r.name);
  if (!only || only.length === 0) return all;
  const unknown = only.filter((r) => !all.includes(r));
  if (unknown.length) throw new Error(`source "${source}" has no resource ${unknown.join(', ')} (configured: ${all.join(', ')})`);
  return all.filter((r) => only.includes(r));
}

export async function waitForSync(
  handle: WorkflowHandle<typeof syncResource>,
  resource: string,
  print: (line: string, final: boolean) => void,
): Promise<SyncOutcome> {
  const started = Date.now();
  let stop = false;
  const poll = (async () => {
    while (!stop) {
      await new Promise((r) => setTimeout(r, 1000));
      if (stop) break;
      const progress = await liveProgress(handle);
      if (progress) print(formatProgress(resource, progress, Date.now() - started), false);
    }
  })();
  try {
    const result = await handle.result();
    return { resource, workflowId: handle.workflowId, ok: true, result };
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? innermost(err) : (err as Error).message;
    return { resource, workflowId: handle.workflowId, ok: false, error: cause };
  } finally {
    stop = true;
    await poll;
  }
}

export function formatProgress(resource: string, p: LiveProgress, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (p.records / elapsedMs) * 1000 : 0;
  const total = p.expectedTotal ?? undefined;
  const pct = total ? Math.min(100, Math.floor((p.records / Math.max(total, 1)) * 100)) : undefined;
  const eta = total && rate > 0 && p.records < total ? `, ETA ${Math.ceil((total - p.records) / rate)}s` : '';
  const bar = pct !== undefined ? `[${'#'.repeat(Math.floor(pct / 5)).padEnd(20, '.')}] ${pct}% ` : '';
  const retry = p.attempt > 1 ? ` (retry ${p.attempt - 1}: ${p.lastFailure ?? 'unknown error'})` : '';
  return `${resource}: ${p.phase} ${bar}${p.records}${total !== undefined ? `/${total}` : ''} records, ${p.pages} pages, ${Math.round(rate)}/s${eta}${retry}`;
}

function innermost(err: Error): string {
  let current: unknown = err;
  while (current && typeof current === 'object' && 'cause' in current && (current as { cause?: unknown }).cause) {
    current = (current as { cause: unknown }).cause;
  }
  return current instanceof Error ? current.message : String(current);
}

export function describeOutcome(config: Config, o: SyncOutcome): string {
  const link = workflowUiUrl(config, o.workflowId);
  if (!o.ok) return `${o.resource}: FAILED — ${o.error}\n  ${link}`;
  const r = o.result!;
  return `${o.resource}: ok — ${r.downloaded} downloaded, ${r.upserted} upserted, ${r.rejected} rejected, ${r.pages} pages\n  ${link}`;
}
