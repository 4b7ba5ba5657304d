/**
 * What an alert says, in one place: the JSON body of a webhook, the text of a Slack-compatible
 * webhook and of an e-mail are all rendered from one Alert value.
 */
import type { ProcessName } from '../../workflows/names';

export interface Alert {
  kind: 'failing' | 'recovered';
  source: string;
  process: ProcessName;
  /** failing: failed runs in a row so far; recovered: how many failed runs the success ended. */
  consecutiveFailures: number;
  scheduleId: string;
  /** What happened to the schedule: `paused` now, `resumed` now, or as it was. */
  schedule: 'paused' | 'resumed' | 'already paused' | 'active' | 'none';
  /** The schedule's note after the change. */
  note: string | null;
  /** failing: the resources of the latest run that failed, with why. */
  errors: { resource: string; error: string }[];
  workflowId: string;
  runId: string;
  /** The run in the Temporal Web UI. */
  link: string;
  at: string;
}

export function alertTitle(a: Alert): string {
  if (a.kind === 'recovered') return `resync: ${a.process} of ${a.source} succeeded again after ${a.consecutiveFailures} failed runs`;
  const paused = a.schedule === 'paused' ? '; schedule paused' : '';
  return `resync: ${a.process} of ${a.source} failed ${a.consecutiveFailures} times in a row${paused}`;
}

export function alertText(a: Alert): string {
  const lines = [alertTitle(a)];
  for (const e of a.errors) lines.push(`- ${e.resource}: ${e.error}`);
  lines.push(`schedule ${a.scheduleId}: ${scheduleLine(a)}`);
  if (a.kind === 'failing' && (a.schedule === 'paused' || a.schedule === 'already paused')) {
    lines.push(`resume it once fixed: resync schedules resume ${a.source} --process ${a.process}`);
  }
  lines.push(`run: ${a.link}`);
  return lines.join('\n');
}

function scheduleLine(a: Alert): string {
  switch (a.schedule) {
    case 'paused':
      return 'paused by resync';
    case 'resumed':
      return 'resumed by resync';
    case 'already paused':
      return `already paused${a.note ? ` (${a.note})` : ''}`;
    case 'active':
      return 'active';
    case 'none':
      return 'none (runs are started by hand)';
  }
}

export type AlertFormat = 'json' | 'slack';

/** `json`: the alert itself plus a title; `slack`: `{ text }`, which Slack-compatible webhooks post as a message. */
export function alertPayload(a: Alert, format: AlertFormat): Record<string, unknown> {
  if (format === 'slack') return { text: alertText(a) };
  return { type: `resync.${a.kind}`, title: alertTitle(a), ...a };
}
