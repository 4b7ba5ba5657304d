/**
 * When purge refuses to delete. Pure code, shared by the workflow and the tests: a purge that
 * deletes what it should not cannot be undone, so every doubt about the key set or the size of
 * the deletion stops it with a reason a person can act on.
 */
import type { DestinationOutcome, PurgeLimits, VerifyKeysResult } from './key-types';

/** Before the comparison: the key set must be complete. */
export function keySetRefusal(verified: VerifyKeysResult): string | null {
  if (verified.staged === 0) return 'the MLS returned no keys; deleting every row is never what a purge should do';
  if (verified.problem) return `${verified.problem}; nothing deleted`;
  return null;
}

/** After the comparison: no destination may lose more than the limits allow. */
export function deletionRefusal(resource: string, outcomes: Record<string, DestinationOutcome>, limits: PurgeLimits): string | null {
  const reasons: string[] = [];
  for (const [name, o] of Object.entries(outcomes)) {
    if (o.extra > limits.maxDeletes) {
      reasons.push(`${name} would lose ${o.extra} of its ${o.rows} rows, more than maxDeletes ${limits.maxDeletes}`);
    } else if (o.extra * 100 > o.rows * limits.maxDeletePercent) {
      const pct = o.rows === 0 ? 100 : (o.extra * 100) / o.rows;
      reasons.push(
        `${name} would lose ${o.extra} of its ${o.rows} rows (${pct.toFixed(2)}%), more than maxDeletePercent ${limits.maxDeletePercent}`,
      );
    }
  }
  if (reasons.length === 0) return null;
  return `${reasons.join('; ')}; nothing deleted (if this is expected, raise purge.maxDeletes / purge.maxDeletePercent of ${resource})`;
}
