/**
 * Refuses to start a worker beside a worker of another config on the same task queue. A Temporal
 * worker takes any task of its queue, so two configs that share a queue (a pinned
 * `temporal.taskQueue`, or the same source names with different destinations) would take each
 * other's runs and write them to their own destinations. Each worker names its config's
 * fingerprint (config/fingerprint.ts) in its Temporal identity; before polling, a new worker lists
 * the queue's recent pollers and stops when one carries another fingerprint.
 */
import { hostname } from 'node:os';
import type { NativeConnection } from '@temporalio/worker';
import { packageVersion } from './version';

/** A poller that polled within this long is taken as running (an idle worker re-polls about every minute). */
export const RECENT_POLL_MS = 2 * 60_000;

/** Values of temporal.api.enums.v1.TaskQueueType and TaskQueueKind (the proto package is not a direct dependency). */
const TASK_QUEUE_TYPES = { workflow: 1, activity: 2 } as const;
const TASK_QUEUE_KIND_NORMAL = 1;

export class TaskQueueConflict extends Error {
  override readonly name = 'TaskQueueConflict';
  constructor(
    readonly taskQueue: string,
    readonly ours: string,
    readonly other: string,
    readonly otherFingerprint: string,
    agoMs: number,
  ) {
    super(
      `task queue "${taskQueue}" is polled by a worker of another config (its identity: "${other}", last poll ` +
        `${Math.round(agoMs / 1000)} s ago; this config's fingerprint is ${ours}, its is ${otherFingerprint}). ` +
        "Workers on one queue take each other's runs and would write them to their own destinations. Start this " +
        'worker with the same config as that one, or set temporal.taskQueue to a name of its own (then run ' +
        "`resync schedules apply`). If that worker has stopped, it drops out of the queue's pollers within " +
        `${RECENT_POLL_MS / 60_000} minutes.`,
    );
  }
}

/** `resync <version> <pid>@<host> config=<fingerprint>`: what this process's workers call themselves in Temporal. */
export function workerIdentity(fingerprint: string): string {
  return `resync ${packageVersion()} ${process.pid}@${hostname()} config=${fingerprint}`;
}

export interface ParsedIdentity {
  fingerprint?: string;
  pid?: number;
  host?: string;
}

/** Reads back what workerIdentity() wrote; other programs' identities give only what matches. */
export function parseIdentity(identity: string): ParsedIdentity {
  const fingerprint = /(?:^|\s)config=([0-9a-f]+)(?:\s|$)/.exec(identity)?.[1];
  const process = /(?:^|\s)(\d+)@(\S+)/.exec(identity);
  return {
    ...(fingerprint ? { fingerprint } : {}),
    ...(process ? { pid: Number(process[1]), host: process[2] } : {}),
  };
}

export interface Poller {
  identity: string;
  /** Epoch milliseconds of its last poll. */
  lastAccessMs: number;
}

export interface QueueVerdict {
  /** The first running poller of another config, if any. */
  conflict?: Poller & { fingerprint: string };
  /** Running pollers that name no fingerprint (not resync workers, or older ones). */
  unknown: Poller[];
}

export interface LivenessProbe {
  /** Fingerprints of the workers running in this process now. */
  runningHere: ReadonlySet<string>;
  pid: number;
  host: string;
  /** Whether a process of this host with this pid exists. */
  processExists(pid: number): boolean;
}

/**
 * Sorts the queue's pollers: recent ones with another fingerprint conflict, recent ones without
 * one are unknown. A poller of this host whose worker has gone (a restart after a config change,
 * a worker this process already shut down) is left out even while its last poll is recent.
 */
export function judgePollers(pollers: readonly Poller[], fingerprint: string, nowMs: number, probe: LivenessProbe): QueueVerdict {
  const unknown: Poller[] = [];
  for (const poller of pollers) {
    if (nowMs - poller.lastAccessMs > RECENT_POLL_MS) continue;
    const parsed = parseIdentity(poller.identity);
    if (parsed.fingerprint === fingerprint) continue;
    if (parsed.host === probe.host && parsed.pid !== undefined && !isAlive(parsed, probe)) continue;
    if (parsed.fingerprint === undefined) unknown.push(poller);
    else return { conflict: { ...poller, fingerprint: parsed.fingerprint }, unknown };
  }
  return { unknown };
}

function isAlive(parsed: ParsedIdentity, probe: LivenessProbe): boolean {
  if (parsed.pid === probe.pid) return parsed.fingerprint !== undefined && probe.runningHere.has(parsed.fingerprint);
  return probe.processExists(parsed.pid!);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Counts of running workers per fingerprint in this process (tests and `resync dev` start several). */
const running = new Map<string, number>();

/** Marks a worker of this fingerprint as running here until the returned function is called. */
export function registerRunningWorker(fingerprint: string): () => void {
  running.set(fingerprint, (running.get(fingerprint) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (running.get(fingerprint) ?? 1) - 1;
    if (left > 0) running.set(fingerprint, left);
    else running.delete(fingerprint);
  };
}

/** The workflow and activity pollers of a task queue, as the server lists them. */
export async function listPollers(connection: NativeConnection, namespace: string, taskQueue: string): Promise<Poller[]> {
  const pollers: Poller[] = [];
  for (const taskQueueType of [TASK_QUEUE_TYPES.workflow, TASK_QUEUE_TYPES.activity]) {
    const response = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
      taskQueueType,
    });
    for (const p of response.pollers ?? []) {
      pollers.push({ identity: p.identity ?? '', lastAccessMs: timestampMs(p.lastAccessTime) });
    }
  }
  return pollers;
}

interface ProtoTimestamp {
  seconds?: { toString(): string } | number | null;
  nanos?: number | null;
}

function timestampMs(ts: ProtoTimestamp | null | undefined): number {
  if (!ts) return 0;
  return Number(ts.seconds?.toString() ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/**
 * Throws TaskQueueConflict when a running worker of another config polls the queue; returns the
 * pollers that name no config, for the caller to warn about.
 */
export async function checkTaskQueue(
  connection: NativeConnection,
  opts: { namespace: string; taskQueue: string; fingerprint: string },
): Promise<Poller[]> {
  const pollers = await listPollers(connection, opts.namespace, opts.taskQueue);
  const verdict = judgePollers(pollers, opts.fingerprint, Date.now(), {
    runningHere: new Set(running.keys()),
    pid: process.pid,
    host: hostname(),
    processExists,
  });
  if (verdict.conflict) {
    const c = verdict.conflict;
    throw new TaskQueueConflict(opts.taskQueue, opts.fingerprint, c.identity, c.fingerprint, Math.max(0, Date.now() - c.lastAccessMs));
  }
  return verdict.unknown;
}
