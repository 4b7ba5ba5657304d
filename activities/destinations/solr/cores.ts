/**
 * Cores on a standalone Solr node, each with its OWN copy of the configset, and the SolrCloud
 * alternative (collections). Moved here from scripts/lib/solr-cores.ts (which re-exports it) because
 * the destination creates its cores itself.
 *
 * Why a copy per core: standalone cores created from one shared configset (Core Admin
 * `configSet=…`) also share its managed-schema file. A Schema API change on one core rewrites that
 * file, and the next change on another core rewrites it again from that core's view: fields added
 * through the first core silently disappear. So every core gets `<home>/<core>/conf/`, copied from
 * scripts/solr/configset, before Core Admin CREATE is called with that instance dir. That needs the
 * node's Solr home on this machine; elsewhere the operator creates the cores (docs/destinations.md).
 *
 * SolrCloud has no such files (configsets live in ZooKeeper): there the operator uploads one
 * configset per collection and creates the collections; the destination checks that they exist and
 * uses them exactly like cores (same Schema, update and query APIs).
 */
import { existsSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fromRoot } from '../../../scripts/lib/paths';
import { SolrAdminError, SolrRequestFailed } from './errors';
import { createSolrHttp, type SolrBody, type SolrHttp } from './http';

export { SolrAdminError };

/** The configset every core starts from. */
export const SOLR_CONFIGSET_DIR = fromRoot('scripts', 'solr', 'configset');

/** Solr's own rule for core names (SolrIdentifierValidator): letters, digits, `.`, `_`, `-`, not starting with `-`. */
const CORE_NAME = /^(?!-)[._A-Za-z0-9-]+$/;

export function assertSolrCoreName(name: string): void {
  if (!CORE_NAME.test(name)) {
    throw new SolrAdminError(
      `invalid Solr core name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-', not starting with '-'`,
    );
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const http = (node: string | SolrHttp): SolrHttp => (typeof node === 'string' ? createSolrHttp(node, 60_000) : node);

export interface SolrNode {
  /** `std` (standalone) or `solrcloud`. */
  mode: string;
  /** The node's Solr home as the node sees it. */
  solrHome: string;
}

export async function readSolrNode(node: string | SolrHttp): Promise<SolrNode> {
  const body = await http(node).request('/admin/info/system');
  if (typeof body.solr_home !== 'string') {
    throw new SolrAdminError(`${http(node).baseUrl} answered /admin/info/system without solr_home: not a Solr node's base URL (…/solr)?`);
  }
  return { mode: typeof body.mode === 'string' ? body.mode : 'unknown', solrHome: body.solr_home.replace(/\/+$/, '') };
}

async function coreAdmin(node: SolrHttp, params: Record<string, string>): Promise<SolrBody> {
  try {
    return await node.request('/admin/cores', { params });
  } catch (err) {
    if (err instanceof SolrRequestFailed) {
      throw new SolrAdminError(`Core Admin ${params.action ?? ''} ${params.name ?? params.core ?? ''} failed: ${err.message}`);
    }
    throw err;
  }
}

/** The STATUS answer for one core: its entry (undefined when not loaded) and its start-up failure, if any. */
async function coreStatus(node: SolrHttp, name: string): Promise<{ entry?: Record<string, unknown>; failure?: string }> {
  const body = await coreAdmin(node, { action: 'STATUS', core: name, indexInfo: 'false' });
  const entry = isRecord(body.status) ? body.status[name] : undefined;
  const failure = isRecord(body.initFailures) ? body.initFailures[name] : undefined;
  // STATUS of an unknown core answers an empty object for it.
  return {
    ...(isRecord(entry) && typeof entry.name === 'string' ? { entry } : {}),
    ...(typeof failure === 'string' ? { failure } : {}),
  };
}

export async function solrCoreExists(node: string | SolrHttp, name: string): Promise<boolean> {
  assertSolrCoreName(name);
  return (await coreStatus(http(node), name)).entry !== undefined;
}

export interface CreateSolrCoreOptions {
  /** The configset copied into the core's conf/. Default: scripts/solr/configset. */
  configSetDir?: string;
  /** The node's Solr home as seen from this machine. Default: what the node reports (`solr_home`). */
  solrHome?: string;
}

export interface CreatedSolrCore {
  /** False when the core already existed (nothing was changed). */
  created: boolean;
  /** The core's folder, holding its own conf/. */
  instanceDir: string;
}

/** Creates core `name` with its own copy of the configset; a core that already exists is left as it is. */
export async function createSolrCore(
  baseUrl: string | SolrHttp,
  name: string,
  options: CreateSolrCoreOptions = {},
): Promise<CreatedSolrCore> {
  assertSolrCoreName(name);
  const node = http(baseUrl);
  const info = await readSolrNode(node);
  if (info.mode === 'solrcloud') {
    throw new SolrAdminError(
      `${node.baseUrl} runs SolrCloud: create a collection (Collections API) with its own configset instead of a core`,
    );
  }
  const home = options.solrHome ?? info.solrHome;
  const instanceDir = join(home, name);
  const status = await coreStatus(node, name);
  if (status.entry) return { created: false, instanceDir };
  if (!existsSync(home)) {
    throw new SolrAdminError(
      `cannot give core ${name} its own conf/: the node's Solr home ${home} is not on this machine. ` +
        'Create the core on that server from scripts/solr/configset (one copy per core), or pass solrHome.',
    );
  }
  if (existsSync(join(instanceDir, 'core.properties'))) {
    // Solr found this core at start-up but could not load it: say why rather than overwrite it.
    throw new SolrAdminError(`core ${name} exists in ${instanceDir} but is not loaded${status.failure ? `: ${status.failure}` : ''}`);
  }
  // A folder without core.properties is what an interrupted create leaves: start it afresh.
  await rm(instanceDir, { recursive: true, force: true });
  await cp(options.configSetDir ?? SOLR_CONFIGSET_DIR, join(instanceDir, 'conf'), { recursive: true });
  try {
    await coreAdmin(node, { action: 'CREATE', name, instanceDir: name });
  } catch (error) {
    await rm(instanceDir, { recursive: true, force: true });
    throw error;
  }
  return { created: true, instanceDir };
}

/** Unloads core `name` and deletes its index and folder; resolves false when there was no such core. */
export async function deleteSolrCore(baseUrl: string | SolrHttp, name: string): Promise<boolean> {
  assertSolrCoreName(name);
  const node = http(baseUrl);
  if (!(await coreStatus(node, name)).entry) return false;
  await coreAdmin(node, { action: 'UNLOAD', core: name, deleteIndex: 'true', deleteDataDir: 'true', deleteInstanceDir: 'true' });
  return true;
}

/** Whether a SolrCloud collection exists (Collections API LIST). */
export async function solrCollectionExists(node: SolrHttp, name: string): Promise<boolean> {
  const body = await node.request('/admin/collections', { params: { action: 'LIST' } });
  return Array.isArray(body.collections) && body.collections.includes(name);
}

/**
 * Makes sure the core (standalone) or collection (SolrCloud) exists; true when this call created it.
 * Collections are never created here: each needs its own configset uploaded first, which is an
 * operator's decision (docs/destinations.md).
 */
export async function ensureSolrContainer(node: SolrHttp, name: string, options: CreateSolrCoreOptions = {}): Promise<boolean> {
  assertSolrCoreName(name);
  const info = await readSolrNode(node);
  if (info.mode === 'solrcloud') {
    if (await solrCollectionExists(node, name)) return false;
    throw new SolrAdminError(
      `SolrCloud at ${node.baseUrl} has no collection ${name}: upload a configset of its own (e.g. resync_${name}) from ` +
        `scripts/solr/configset and create the collection with collection.configName=resync_${name}`,
    );
  }
  return (await createSolrCore(node, name, options)).created;
}
