// The dashboard's web app (React + Vite) is built into dashboard/web/dist, which the dashboard
// server serves. Built by setup, and by `resync dashboard` / `resync dev` on demand, whenever the
// build is missing or older than any of its sources.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Log } from './log';
import { silentLog } from './log';
import { fromRoot } from './paths';
import { indent, runCommand } from './proc';

export const WEB_DIR = fromRoot('dashboard', 'web');
export const WEB_DIST = join(WEB_DIR, 'dist');
const BUILT_MARKER = join(WEB_DIST, 'index.html');
/** What the bundle is made from. The server's api-types.ts holds only types: no effect on the output. */
const SOURCES = [join(WEB_DIR, 'src'), join(WEB_DIR, 'index.html'), join(WEB_DIR, 'vite.config.ts')];

async function newestMtime(path: string): Promise<number> {
  const s = await stat(path).catch(() => undefined);
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

export interface DashboardBuildStatus {
  ok: boolean;
  summary: string;
}

export async function dashboardBuildStatus(): Promise<DashboardBuildStatus> {
  const built = await stat(BUILT_MARKER).catch(() => undefined);
  if (!built) return { ok: false, summary: `not built (${BUILT_MARKER} is missing)` };
  let sources = 0;
  for (const s of SOURCES) sources = Math.max(sources, await newestMtime(s));
  if (sources > built.mtimeMs) return { ok: false, summary: 'the build is older than its sources' };
  return { ok: true, summary: `built at ${new Date(built.mtimeMs).toISOString()} (${WEB_DIST})` };
}

/** Runs `vite build` for dashboard/web; throws with Vite's last lines when it fails. */
export async function buildDashboard(log: Log = silentLog): Promise<void> {
  log('building the dashboard web app (vite build)…');
  const vite = fromRoot('node_modules', 'vite', 'bin', 'vite.js');
  const result = await runCommand(process.execPath, [vite, 'build', '--config', join(WEB_DIR, 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: WEB_DIR,
    timeoutMs: 300_000,
  });
  if (result.code !== 0) {
    const output = (result.stderr || result.stdout).trim().split('\n').slice(-20).join('\n');
    throw new Error(`vite build of the dashboard failed (exit ${result.code}):\n${indent(output)}`);
  }
}

/** Builds when missing or stale; returns what is there afterwards. */
export async function ensureDashboardBuilt(log: Log = silentLog): Promise<DashboardBuildStatus> {
  const before = await dashboardBuildStatus();
  if (before.ok) return before;
  await buildDashboard(log);
  return dashboardBuildStatus();
}
