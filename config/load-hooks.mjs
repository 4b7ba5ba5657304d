/**
 * Module hooks for loading a config file, registered by config/load.ts (node:module register). They
 * run in Node's loader thread, before tsx's, hence plain JavaScript. Two jobs:
 *
 * - The package name resolves to the checkout's config API (config/define.ts) from any folder, so a
 *   config copied to /etc/resync or a home directory imports `defineConfig` the same way as one in
 *   the checkout, with no node_modules of its own.
 * - The config file, and the project files it imports from its own folder tree, are ES modules
 *   whatever package.json (or none) is above them. Left alone, a `.ts` file outside an
 *   `"type": "module"` package is compiled to CommonJS, whose require() sees neither this alias nor
 *   top-level await and fails on the checkout's ES modules.
 */

import { URL } from 'node:url';

/** Query that config/load.ts appends to the config file's URL to mark it (same name there). */
const CONFIG_QUERY = 'resync-config';

/** @type {string} */
let packageName = '';
/** @type {string} */
let entryUrl = '';
/** URLs (without query) of the config file and the files it imported: loaded as ES modules. */
const esModules = new Set();

/** @param {{ packageName: string, entryUrl: string }} data */
export function initialize(data) {
  packageName = data.packageName;
  entryUrl = data.entryUrl;
}

const SOURCE_FILE = /\.(?:ts|tsx|mts|js|jsx|mjs)$/;

/** The file's URL without the queries tsx or config/load.ts put on it. */
function plain(url) {
  const parsed = new URL(url);
  const rewritten = parsed.search.includes('tsx-');
  parsed.search = '';
  parsed.hash = '';
  // tsx moves its own query into the path of a file it has chosen to load as CommonJS.
  return rewritten ? parsed.href.split('%3F')[0] : parsed.href;
}

function isOwnSourceFile(url) {
  return url.startsWith('file:') && !url.includes('/node_modules/') && SOURCE_FILE.test(url);
}

/**
 * @param {string} specifier
 * @param {{ parentURL?: string }} context
 * @param {(specifier: string, context?: object) => Promise<{ url: string, format?: string | null }>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  if (specifier === packageName) return nextResolve(entryUrl, context);
  const resolved = await nextResolve(specifier, context);
  const isConfig = specifier.startsWith('file:') && new URL(specifier).searchParams.has(CONFIG_QUERY);
  const importedByConfig = context.parentURL !== undefined && esModules.has(plain(context.parentURL));
  if (!(isConfig || importedByConfig)) return resolved;
  const url = plain(resolved.url);
  if (!isOwnSourceFile(url)) return resolved;
  esModules.add(url);
  return { url, format: 'module', shortCircuit: true };
}
