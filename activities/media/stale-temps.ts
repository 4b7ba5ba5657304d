/**
 * Temporary files of a writer that died (a worker killed mid-download) would stay in the local
 * store for ever: nothing renames them and listing skips them. Each temporary's name carries the
 * writing host and process id, so a later write into the same folder — the retry of that very
 * file lands there — can tell a dead writer's leftovers from a live writer's work in progress,
 * and remove only the former. A temporary of another host is never touched (its pid means
 * nothing here).
 */
import { hostname } from 'node:os';
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** This host, in the characters a file name keeps everywhere. */
const HOST =
  hostname()
    .replace(/[^A-Za-z0-9-]/g, '-')
    .slice(0, 40) || 'host';

/** `<prefix><host>.<pid>.<nonce>`: the name of a temporary this process writes. */
export function tempName(prefix: string, nonce: string): string {
  return `${prefix}${HOST}.${process.pid}.${nonce}`;
}

/** The pid of a temporary this host's process wrote, or undefined (another host, another scheme). */
function writerPid(prefix: string, name: string): number | undefined {
  if (!name.startsWith(`${prefix}${HOST}.`)) return undefined;
  const pid = Number(name.slice(prefix.length + HOST.length + 1).split('.')[0]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the temporaries in `folder` left by dead processes of this host; returns how many. */
export async function removeStaleTemps(folder: string, prefix: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const pid = writerPid(prefix, name);
    if (pid === undefined || pid === process.pid || isAlive(pid)) continue;
    await unlink(join(folder, name)).then(
      () => removed++,
      () => undefined, // gone already: another sweep got there first
    );
  }
  return removed;
}
