// Well-known locations inside the checkout. Everything the scripts create at run time
// lives under `.tools/` (built binaries) or `.data/` (databases), both git-ignored, so a
// checkout can be wiped clean with `rm -rf .tools .data logs`.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Derived from this file's location rather than process.cwd(), so scripts behave the
// same whether they are run from the repo root, a sub-folder, or imported by tests.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

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
