/**
 * Committed workflow histories replayed against the current workflow code: a change that would
 * break running workflows (non-determinism) fails here, before it reaches a deployment.
 * Record new histories with `npx tsx scripts/record-histories.ts`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundlePath } from '../../worker/bundle';
import { fromRoot } from '../../scripts/lib/paths';

const dir = fromRoot('test/replay/histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('replay of committed histories', () => {
  it('has histories to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s replays without non-determinism', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    const workflowId = `replay-${file}`;
    // Throws DeterminismViolationError (or the workflow's own failure) when the code diverged.
    await Worker.runReplayHistory({ workflowBundle: { codePath: await workflowBundlePath() } }, history, workflowId);
  });
});
