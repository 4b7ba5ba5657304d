// The browser the dashboard's end-to-end tests drive through playwright-core: Debian's own
// `chromium` package, installed with apt-get when missing and we are root. Playwright's
// downloaded browsers are never used (no `playwright install`): the machine may reach only
// package registries, and a distribution browser gets security updates with the system.
import { aptInstall } from './apt';
import type { Log } from './log';
import { silentLog } from './log';
import { isExecutable, runCommand, which } from './proc';

export const CHROMIUM_ENV = 'RESYNC_CHROMIUM';

/** $RESYNC_CHROMIUM, Debian's /usr/bin/chromium, or a chromium on PATH. */
export async function findChromium(): Promise<string | undefined> {
  const explicit = process.env[CHROMIUM_ENV];
  if (explicit) return (await isExecutable(explicit)) ? explicit : undefined;
  if (await isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  return (await which('chromium')) ?? (await which('chromium-browser'));
}

export async function chromiumVersion(path: string): Promise<string | undefined> {
  const result = await runCommand(path, ['--version'], { timeoutMs: 20_000 }).catch(() => undefined);
  return result?.code === 0 ? result.stdout.trim() : undefined;
}

export async function ensureChromium(log: Log = silentLog): Promise<string> {
  const found = await findChromium();
  if (found) return found;
  const hint = `Install it yourself (Debian/Ubuntu: \`sudo apt-get install chromium\`) or set $${CHROMIUM_ENV} to a Chromium binary.`;
  if (process.env[CHROMIUM_ENV]) throw new Error(`$${CHROMIUM_ENV} is ${process.env[CHROMIUM_ENV]}, which is not an executable. ${hint}`);
  if (process.getuid?.() !== 0) throw new Error(`Chromium (for the dashboard's browser tests) not found and not running as root. ${hint}`);
  if (!(await which('apt-get'))) throw new Error(`Chromium not found and apt-get is unavailable. ${hint}`);
  log("Chromium not found; installing Debian's chromium with apt-get…");
  await aptInstall('chromium', log);
  const installed = await findChromium();
  if (!installed) throw new Error(`apt-get installed chromium but no chromium binary was found. ${hint}`);
  return installed;
}
