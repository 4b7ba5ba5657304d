// A cross-process lock file for "start it unless running" sequences. Parallel test files
// and a second terminal may all try to start the same local server at once; without the
// lock two servers race for the same data dir and port.
import { open, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from './proc';

/**
 * Runs `fn` while holding `lockPath` (created exclusively, holding our pid). A lock whose
 * holder process is gone is stale and taken over. Waits up to `timeoutMs` for a live holder.
 */
export async function withFileLock<T>(lockPath: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.write(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
    // An empty file means the holder is between create and write: give it a moment.
    if (Number.isInteger(holder) && holder > 0 && !isProcessAlive(holder)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${lockPath} (held by pid ${holder || 'unknown'}); remove it if that process is gone`);
    }
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}
