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
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { fromRoot } from './lib/paths';

export const DIST_CLI = fromRoot('dist', 'resync.mjs');

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
  // Written then renamed: a worker starting meanwhile (tests build too) never reads half a file.
  mkdirSync(join(dirname(DIST_CLI), 'chunks'), { recursive: true });
  // Chunks first, the entry last: a process starting meanwhile never imports a chunk not yet written.
  const files = [...result.outputFiles].sort((a, b) => Number(a.path === DIST_CLI) - Number(b.path === DIST_CLI));
  for (const file of files) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  return DIST_CLI;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`built ${await buildCli()}`);
}
