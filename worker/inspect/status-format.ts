/** Text rendering of a StatusReport for people (`--json` prints the report itself). */
import { PROCESSES } from '../../workflows/names';
import type { RunMedia } from '../../activities/stats/history';
import type { ResourceStatus, StatusReport } from './status';

export function formatStatus(report: StatusReport): string {
  const lines: string[] = [];
  for (const { source, resources, budgets } of report.sources) {
    lines.push(source);
    if (budgets.length) lines.push(`  budgets     ${budgets.map((b) => `${b.used}/${b.limit} per ${b.window}`).join(', ')}`);
    for (const r of resources) lines.push(...formatResource(r));
  }
  if (report.problems.length) {
    lines.push('', 'problems:');
    for (const p of report.problems) lines.push(`  - ${p}`);
  }
  return lines.join('\n');
}

function formatResource(r: ResourceStatus): string[] {
  const label = (text: string) => `    ${text.padEnd(12)}`;
  const lines = [`  ${r.resource}`];
  lines.push(`${label('MLS')}${r.mls.error ? `unreadable: ${r.mls.error}` : describeSide(r.mls.count, r.mls.newest)}`);
  for (const d of r.destinations) {
    if (d.error) {
      lines.push(`${label(d.name)}unreadable: ${d.error}`);
      continue;
    }
    lines.push(`${label(d.name)}${describeSide(d.count, d.newest)}${verdict(d)}`);
  }
  for (const c of r.children) {
    const counts = c.destinations.map((d) => `${d.name} ${d.error ? `unreadable: ${d.error}` : `${d.count ?? '?'} rows`}`);
    lines.push(`    ${`↳ ${c.resource}`.padEnd(11)} ${counts.join(', ')}`);
  }
  for (const process of PROCESSES) {
    const run = r.lastRuns[process];
    if (!run) {
      lines.push(`${label(process)}never run`);
      continue;
    }
    const counts = `${run.downloaded} downloaded, ${run.upserted} upserted, ${run.deleted} deleted, ${run.rejected} rejected${describeMedia(run.media)}`;
    const when = run.finishedAt ? `finished ${run.finishedAt}` : `started ${run.startedAt}`;
    lines.push(`${label(process)}${run.outcome} ${when} (${counts})${run.error ? ` — ${run.error}` : ''}`);
  }
  for (const run of r.running) {
    const progress =
      run.done === null
        ? ''
        : ` ${run.phase ?? ''} ${run.done}${run.total !== null ? `/${run.total}` : ''} ${run.unit ?? ''}${run.pages !== null ? `, ${run.pages} pages` : ''}`;
    const retry = run.attempt !== null && run.attempt > 1 ? ` (retry ${run.attempt - 1}: ${run.lastFailure ?? 'unknown error'})` : '';
    lines.push(`${label('running')}${run.process}:${progress}${retry}  ${run.workflowId}`);
  }
  return lines;
}

/**
 * How a destination compares with the MLS, in words; empty when nothing is known. The count part
 * is the shared verdict (count-verdict.ts), word for word what the dashboard shows.
 */
function verdict(d: ResourceStatus['destinations'][number]): string {
  const count = d.countVerdict;
  if (count.state === 'not-comparable') return `  ${count.text}`;
  const countKnown = count.state !== 'unknown';
  if (!countKnown && d.newestMatches === null) return '';
  if ((!countKnown || count.state === 'in-step') && d.newestMatches !== false) return '  in step';
  const notes: string[] = [];
  // too many: records the MLS deleted, which a purge removes.
  if (count.state === 'missing' || count.state === 'too-many') notes.push(count.text);
  if (d.newestMatches === false) notes.push('newest differs');
  return `  out of step: ${notes.join(', ')}`;
}

/** The media files step of a run, for resources that keep their files. */
export function describeMedia(media: RunMedia | null): string {
  if (!media) return '';
  return `; media files: ${media.files} stored, ${formatBytes(media.bytes)}, ${media.failed} failed`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function describeSide(count: number | null, newest: string | null): string {
  return `${count === null ? '? records' : `${count} records`}, newest ${newest ?? '?'}`;
}
