// Well-known locations inside the checkout. Everything the scripts create at run time
// lives under `.tools/` (built binaries) or `.data/` (databases), both git-ignored, so a
// checkout can be wiped clean with `rm -rf .tools .data logs`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's package name (private, never published; configs import defineConfig from it). */
export const PACKAGE_NAME = '@resync-mls/resync';

/**
 * The nearest folder above this module whose package.json is resync's. Found from this module's
 * location rather than process.cwd(), so scripts behave the same from any folder; and by looking
 * rather than counting `..`, so the same code works from the sources and from the build in dist/.
 */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
    if (dirname(dir) === dir) throw new Error(`no resync checkout above ${from}`);
  }
}

const root = findRoot(dirname(fileURLToPath(import.meta.url)));

export interface RepoPaths {
  /** The checkout's root folder. */
  readonly root: string;
  /** Tools built or downloaded by setup (git-ignored). */
  readonly tools: string;
  /** Executables built by setup, e.g. the Temporal CLI. */
  readonly toolsBin: string;
  /** Local databases: MariaDB data dir, Temporal's SQLite file (git-ignored). */
  readonly data: string;
  /** Log files of locally started services (git-ignored). */
  readonly logs: string;
}

export const paths: RepoPaths = {
  root,
  tools: join(root, '.tools'),
  toolsBin: join(root, '.tools', 'bin'),
  data: join(root, '.data'),
  logs: join(root, 'logs'),
};

/** Resolves path segments against the repo root (absolute segments win, as in path.resolve). */
export function fromRoot(...segments: string[]): string {
  return resolve(root, ...segments);
}
