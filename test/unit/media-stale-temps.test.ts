/**
 * The local store's leftover temporaries: those of a dead process of this host go, those of a live
 * process (a download in progress) or of another host (whose pids mean nothing here) stay.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleTemps, tempName } from '../../activities/media/stale-temps';

const PREFIX = '.resync-tmp-';
let folder: string | undefined;
afterEach(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('stale media temporaries', () => {
  it('removes only the temporaries of dead processes of this host', async () => {
    folder = mkdtempSync(join(tmpdir(), 'resync-temps-'));
    const mine = tempName(PREFIX, 'live');
    const dead = mine.replace(`.${process.pid}.live`, `.${deadPid()}.dead`);
    const names = [mine, `${mine}.meta`, dead, `${dead}.meta`, `${PREFIX}other-host.1.x`, 'photo.png', '.resync-meta.photo.png.json'];
    for (const name of names) writeFileSync(join(folder, name), 'x');

    expect(await removeStaleTemps(folder, PREFIX)).toBe(2);

    expect(readdirSync(folder).sort()).toEqual(
      [mine, `${mine}.meta`, `${PREFIX}other-host.1.x`, 'photo.png', '.resync-meta.photo.png.json'].sort(),
    );
  });

  it('is quiet about a folder that does not exist', async () => {
    expect(await removeStaleTemps(join(tmpdir(), 'resync-no-such-folder-9f3a'), PREFIX)).toBe(0);
  });
});
