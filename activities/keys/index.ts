/**
 * Purge and reconcile activities: prepare, download keys, verify, compare per destination, delete
 * (purge) or fetch again (reconcile), and remove the staging. Each chunked one resumes from its
 * last heartbeat when retried.
 */
import { heartbeat } from '@temporalio/activity';
import type { Runtime } from '../runtime';
import type {
  CompareKeysInput,
  DeleteKeysInput,
  DownloadKeysInput,
  FetchKeysInput,
  PrepareKeyRunInput,
  VerifyKeysInput,
} from '../../workflows/key-types';
import { dropAbandonedStaging, dropStaging } from './cleanup';
import { compareKeysChunk } from './compare';
import { deleteKeysChunk } from './delete';
import { downloadKeysChunk } from './download';
import { fetchKeysChunk } from './fetch';
import { prepareKeyRun } from './prepare';
import { verifyStagedKeys } from './verify';

export function createKeyActivities(runtime: Runtime) {
  return {
    prepareKeyRun: (input: PrepareKeyRunInput) => prepareKeyRun(runtime, input),
    downloadKeys: (input: DownloadKeysInput) => downloadKeysChunk(runtime, input),
    verifyKeys: (input: VerifyKeysInput) => verifyStagedKeys(runtime, input),
    compareKeys: (input: CompareKeysInput) => compareKeysChunk(runtime, input),
    deleteKeys: (input: DeleteKeysInput) => deleteKeysChunk(runtime, input),
    fetchKeys: (input: FetchKeysInput) => fetchKeysChunk(runtime, input),
    dropStaging: (input: { runId: string }) => dropStaging(runtime, input, () => heartbeat()),
    dropAbandonedStaging: () => dropAbandonedStaging(runtime, {}, () => heartbeat()),
  };
}

export { dropAbandonedStaging, ABANDONED_AFTER_MS } from './cleanup';
export { KeyRunUnsupported } from './context';
export { KeyOrderError } from './order';
export { StagingMissing } from './staging';
