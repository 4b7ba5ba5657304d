/** The checkout's version, read from its package.json wherever the code runs from (sources or dist/). */
import { readFileSync } from 'node:fs';
import { fromRoot, paths, PACKAGE_NAME } from '../scripts/lib/paths';

export function packageVersion(): string {
  return (JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version: string }).version;
}

/** What `resync --version` prints: which resync, and from which checkout. */
export function versionLine(): string {
  return `resync ${packageVersion()} (${PACKAGE_NAME}, ${paths.root})`;
}
