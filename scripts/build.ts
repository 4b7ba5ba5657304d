/**
 * `npm run build`: the CLI (and with it the worker) as an ES module, dist/resync.mjs, for running
 * on plain Node in production. tsx compiles TypeScript as modules load, which is right for
 * development and tests but costs a worker ~45 MB of memory for good (a loader thread and the
 * compiler's caches). Packages stay in node_modules; only the project's own code is bundled.
 *
 * The bundle runs from the checkout it was built in, from any working folder: files it reads at run
 * time (package.json, config/load-hooks.mjs, dashboard/web/dist, temporal-dev.yaml, the workflow
 * sources) are found from the checkout's root (scripts/lib/paths.ts), never relative to a source
 * file's own location, which bundling changes. test/integration/build.test.ts runs every command.
 *
 * Code split (dist/chunks/): each command's dynamic import stays a separate file, loaded when the
 * command runs. In one file esbuild hoists every package any command imports to the top, so
 * `resync --version` loaded the Temporal SDK, both SQL clients, the dashboard and the mailer
 * (159 MB, 1.2 s) and the worker held all of them (docs/benchmarks.md#idle-footprint).
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { fromRoot } from './lib/paths';

export const DIST_CLI = fromRoot('dist', 'resync.mjs');
/** The production command: a shell script that starts DIST_CLI on Node with resync's process settings. */
export const DIST_LAUNCHER = fromRoot('dist', 'resync');

/**
 * What `dist/resync` runs: node on DIST_CLI, with settings a process must have before it starts,
 * so resync cannot make them itself (docs/configuration.md#worker-memory). `exec` replaces the
 * shell, so the worker is the process a supervisor started: its signals and exit code are node's.
 * A value the operator has already set wins over each default.
 */
const LAUNCHER_SCRIPT = `#!/bin/sh
# resync, the built CLI (npm run build writes this file; see docs/configuration.md#worker-memory).
# Finds resync.mjs next to this file, through symlinks (an operator may link it onto the PATH).
self=$0
while [ -L "$self" ]; do
  target=$(readlink "$self")
  case $target in
    /*) self=$target ;;
    *) self=$(dirname "$self")/$target ;;
  esac
done
dir=$(CDPATH='' cd -- "$(dirname -- "$self")" && pwd -P)
# glibc's allocator: two arenas instead of eight per core, and blocks above 128 KB mapped on their own,
# so a response body's megabytes go back to the system when freed instead of staying in an arena.
export MALLOC_ARENA_MAX="\${MALLOC_ARENA_MAX:-2}"
export MALLOC_MMAP_THRESHOLD_="\${MALLOC_MMAP_THRESHOLD_:-131072}"
# A 4 MB young generation on the main thread instead of 16 MB, unless the operator chooses one.
# RESYNC_NODE_FLAGS: node flags NODE_OPTIONS refuses (--cpu-prof), split at spaces.
semi=--max-semi-space-size=4
case " \${NODE_OPTIONS-} \${RESYNC_NODE_FLAGS-} " in
  *--max-semi-space-size*) semi= ;;
esac
# Split, never globbed: both are lists of flags.
set -f
# shellcheck disable=SC2086
exec "\${RESYNC_NODE:-node}" $semi \${RESYNC_NODE_FLAGS-} "$dir/resync.mjs" "$@"
`;

export async function buildCli(): Promise<string> {
  const result = await build({
    // define.mjs: what a config's `import … from '@resync-mls/resync'` loads on plain Node, so a
    // JavaScript config needs no TypeScript compiler in the process (config/load.ts).
    entryPoints: { resync: fromRoot('worker', 'cli.ts'), define: fromRoot('config', 'define.ts') },
    outdir: dirname(DIST_CLI),
    outExtension: { '.js': '.mjs' },
    splitting: true,
    // Named by content: a process still running an older build keeps finding its own chunks.
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    write: false,
  });
  mkdirSync(join(dirname(DIST_CLI), 'chunks'), { recursive: true });
  // Chunks first, the entry last: a process starting meanwhile never imports a chunk not yet written.
  const files = [...result.outputFiles].sort((a, b) => Number(a.path === DIST_CLI) - Number(b.path === DIST_CLI));
  for (const file of files) writeAtomically(file.path, file.contents);
  writeAtomically(DIST_LAUNCHER, LAUNCHER_SCRIPT, 0o755);
  return DIST_CLI;
}

/** Written then renamed: a process starting meanwhile (tests build too) never reads half a file. */
function writeAtomically(path: string, contents: Uint8Array | string, mode?: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  if (mode !== undefined) chmodSync(tmp, mode);
  renameSync(tmp, path);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`built ${await buildCli()}`);
}
