/**
 * The Temporal task queue a config's workers poll and its CLI starts workflows on. Workers take
 * whatever task their queue holds, so two workers whose configs differ must not share one: the
 * worker of config A would run config B's sync and fail with `source "tre" is not in the config`
 * (or write it to A's destinations). By default the queue is therefore named after the config's
 * sources; `temporal.taskQueue` pins it explicitly.
 */
import { createHash } from 'node:crypto';
import { TASK_QUEUE } from '../workflows/names';

/** Longer lists of source names are replaced by a digest, so the name stays readable. */
const MAX_NAMED_LENGTH = 100;

/**
 * `resync-<sources>` with the source names sorted and joined by `+` (`resync-demo`,
 * `resync-bridge+tre`), or `resync-<digest of the names>` when that would be long. Source
 * names cannot contain `+`, so different sets of sources never get the same queue.
 */
export function defaultTaskQueue(sourceNames: readonly string[]): string {
  const names = [...sourceNames].sort();
  const named = `${TASK_QUEUE}-${names.join('+')}`;
  if (named.length <= MAX_NAMED_LENGTH) return named;
  return `${TASK_QUEUE}-${createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 16)}`;
}
