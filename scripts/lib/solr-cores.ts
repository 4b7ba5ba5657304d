// Creating and removing cores on a standalone Solr node (the project-local one, or any node whose
// Solr home is on this machine), each with its OWN copy of the configset.
//
// Why a copy per core: standalone cores created from one shared configset (Core Admin
// `configSet=…`) also share its managed-schema file. A Schema API change on one core rewrites that
// file, and the next change on another core rewrites it again from that core's view: fields added
// through the first core silently disappear. So every core gets `<home>/<core>/conf/`, copied
// from scripts/solr/configset, before Core Admin CREATE is called with that instance dir.
// A SolrCloud node has no such files (configsets live in ZooKeeper): there, a destination uploads
// one configset per collection and uses the Collections API instead; see docs/destinations.md.
import { existsSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { normaliseSolrUrl, solrConfigSetDir, solrNodeInfo } from './solr';

/** A Core Admin request Solr refused, or a core that cannot be created here. */
export class SolrAdminError extends Error {
  override readonly name = 'SolrAdminError';
}

/** Solr's own rule for core names (SolrIdentifierValidator): letters, digits, `.`, `_`, `-`, not starting with `-`. */
const CORE_NAME = /^(?!-)[._A-Za-z0-9-]+$/;

export function assertSolrCoreName(name: string): void {
  if (!CORE_NAME.test(name)) {
    throw new SolrAdminError(
      `invalid Solr core name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-', not starting with '-'`,
    );
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** Calls `<baseUrl>/admin/cores` with `params`; returns the JSON body, throwing Solr's message on an error status. */
async function coreAdmin(baseUrl: string, params: Record<string, string>): Promise<Record<string, unknown>> {
  const query = new URLSearchParams({ ...params, wt: 'json' });
  const response = await fetch(`${normaliseSolrUrl(baseUrl)}/admin/cores?${query.toString()}`, { signal: AbortSignal.timeout(60_000) });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok || !isRecord(body)) {
    const message =
      isRecord(body) && isRecord(body.error) && typeof body.error.msg === 'string' ? body.error.msg : `HTTP ${response.status}`;
    throw new SolrAdminError(`Core Admin ${params.action ?? ''} ${params.name ?? params.core ?? ''} failed: ${message}`);
  }
  return body;
}

/** The core's STATUS entry, or undefined when the node has no such core loaded. */
async function coreStatus(baseUrl: string, name: string): Promise<Record<string, unknown> | undefined> {
  const body = await coreAdmin(baseUrl, { action: 'STATUS', core: name, indexInfo: 'false' });
  const entry = isRecord(body.status) ? body.status[name] : undefined;
  // STATUS of an unknown core answers an empty object for it.
  return isRecord(entry) && typeof entry.name === 'string' ? entry : undefined;
}

/** Why Solr failed to load a core at start-up (its `initFailures` entry), if it did. */
async function coreInitFailure(baseUrl: string, name: string): Promise<string | undefined> {
  const body = await coreAdmin(baseUrl, { action: 'STATUS', core: name, indexInfo: 'false' });
  const failure = isRecord(body.initFailures) ? body.initFailures[name] : undefined;
  return typeof failure === 'string' ? failure : undefined;
}

export async function solrCoreExists(baseUrl: string, name: string): Promise<boolean> {
  assertSolrCoreName(name);
  return (await coreStatus(baseUrl, name)) !== undefined;
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
export async function createSolrCore(baseUrl: string, name: string, options: CreateSolrCoreOptions = {}): Promise<CreatedSolrCore> {
  assertSolrCoreName(name);
  const node = await solrNodeInfo(baseUrl);
  if (node.mode === 'solrcloud') {
    throw new SolrAdminError(
      `${normaliseSolrUrl(baseUrl)} runs SolrCloud: create a collection (Collections API) with its own configset instead of a core`,
    );
  }
  const home = options.solrHome ?? node.solrHome;
  const instanceDir = join(home, name);
  if (await coreStatus(baseUrl, name)) return { created: false, instanceDir };
  if (!existsSync(home)) {
    throw new SolrAdminError(
      `cannot give core ${name} its own conf/: the node's Solr home ${home} is not on this machine. ` +
        'Create the core on that server from scripts/solr/configset (one copy per core), or pass solrHome.',
    );
  }
  if (existsSync(join(instanceDir, 'core.properties'))) {
    // Solr found this core at start-up but could not load it: say why rather than overwrite it.
    const failure = await coreInitFailure(baseUrl, name);
    throw new SolrAdminError(`core ${name} exists in ${instanceDir} but is not loaded${failure ? `: ${failure}` : ''}`);
  }
  // A folder without core.properties is what an interrupted create leaves: start it afresh.
  await rm(instanceDir, { recursive: true, force: true });
  await cp(options.configSetDir ?? solrConfigSetDir, join(instanceDir, 'conf'), { recursive: true });
  try {
    await coreAdmin(baseUrl, { action: 'CREATE', name, instanceDir: name });
  } catch (error) {
    await rm(instanceDir, { recursive: true, force: true });
    throw error;
  }
  return { created: true, instanceDir };
}

/** Unloads core `name` and deletes its index and folder; resolves false when there was no such core. */
export async function deleteSolrCore(baseUrl: string, name: string): Promise<boolean> {
  assertSolrCoreName(name);
  if (!(await coreStatus(baseUrl, name))) return false;
  await coreAdmin(baseUrl, { action: 'UNLOAD', core: name, deleteIndex: 'true', deleteDataDir: 'true', deleteInstanceDir: 'true' });
  return true;
}
