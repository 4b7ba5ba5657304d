/**
 * The workflow bundle (webpack) is built in a short-lived child process and cached on disk by a
 * hash of the workflow sources and the SDK version: workers start in a second instead of several,
 * and webpack's few hundred MB never count against a worker's memory.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fromRoot, paths } from '../scripts/lib/paths';

const ROOT = paths.root;
export const WORKFLOWS_DIR = join(ROOT, 'workflows');
export const WORKFLOWS_PATH = join(WORKFLOWS_DIR, 'index.ts');
const CACHE_DIR = join(ROOT, '.data', 'workflow-bundles');

/** Everything the bundle's content depends on. */
function bundleHash(): string {
  const hash = createHash('sha256');
  const sdk = createRequire(import.meta.url)('@temporalio/workflow/package.json') as { version: string };
  hash.update(sdk.version);
  for (const file of readdirSync(WORKFLOWS_DIR)
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    hash.update(file).update(readFileSync(join(WORKFLOWS_DIR, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

let pending: Promise<string> | undefined;

/** Path of an up-to-date bundle, building it first when the sources changed. */
export function workflowBundlePath(): Promise<string> {
  pending ??= (async () => {
    const path = join(CACHE_DIR, `workflows-${bundleHash()}.js`);
    if (existsSync(path)) return path;
    mkdirSync(CACHE_DIR, { recursive: true });
    const script = fromRoot('worker', 'bundle-build.ts');
    await promisify(execFile)(process.execPath, ['--import', 'tsx', script, path], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    return path;
  })();
  pending.catch(() => (pending = undefined));
  return pending;
}

/** Called by bundle-build.ts in the child process. */
export async function buildBundle(target: string): Promise<void> {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error },
  });
  // Write then rename: a concurrent reader never sees half a bundle.
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, target);
}
