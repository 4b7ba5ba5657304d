// Brings a namespace's search attributes and retention in line with temporal-dev.yaml.
// Needed because `start-dev --search-attribute` only applies when the server creates the
// namespace: a dev server reopening an existing SQLite file keeps whatever it had, and a
// reused (already running) server was configured by someone else. Uses the gRPC operator
// and workflow services directly, so it also works against a non-dev cluster.
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import type { Timestamp } from '@temporalio/common';
import type { Log } from './log';
import type { SearchAttributeTypeName } from './temporal-dev-config';
import { parseDurationSeconds } from './temporal-dev-config';

// temporal.api.enums.v1.IndexedValueType wire values (stable protobuf enum numbers).
// Spelled out here because the SDK does not export the enum from its public entry points.
const indexedValueType: Record<SearchAttributeTypeName, number> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};

function typeName(value: number | null | undefined): string {
  const entry = Object.entries(indexedValueType).find(([, n]) => n === value);
  return entry?.[0] ?? `type #${value}`;
}

// gRPC status codes the logic below distinguishes.
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

function grpcCode(error: unknown): number | undefined {
  return isGrpcServiceError(error) ? error.code : undefined;
}

/** protobuf int64 fields arrive as Long objects or numbers depending on the value. */
function toNumber(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const long = value as { toNumber?: () => number };
  return typeof long.toNumber === 'function' ? long.toNumber() : Number(value);
}

export interface NamespaceSettings {
  /** `host:port` of the frontend, or an open connection to reuse. */
  address: string | Connection;
  namespace: string;
  searchAttributes: Record<string, SearchAttributeTypeName>;
  /** Go-style duration, e.g. `720h`. */
  retention: string;
  log?: Log;
}

export interface NamespaceSettingsResult {
  namespaceCreated: boolean;
  createdSearchAttributes: string[];
  retentionUpdated: boolean;
}

/**
 * Idempotently: registers the namespace if missing, adds missing search attributes, and
 * sets the retention. An attribute that exists with another type is an error (the server
 * cannot change a type in place), reported with both types.
 */
export async function ensureNamespaceSettings(settings: NamespaceSettings): Promise<NamespaceSettingsResult> {
  const retentionSeconds = parseDurationSeconds(settings.retention);
  if (!retentionSeconds) throw new Error(`invalid retention ${JSON.stringify(settings.retention)}`);
  // protobufjs accepts a plain number for int64 at run time; the generated typings insist on
  // Long, a package this project does not depend on directly. (Timestamp and Duration
  // share the { seconds, nanos } shape.)
  const retentionTtl = { seconds: retentionSeconds, nanos: 0 } as unknown as Timestamp;
  const own = typeof settings.address === 'string';
  const connection = own
    ? await Connection.connect({ address: settings.address as string, connectTimeout: 10_000 })
    : (settings.address as Connection);
  const { namespace } = settings;
  const result: NamespaceSettingsResult = { namespaceCreated: false, createdSearchAttributes: [], retentionUpdated: false };
  try {
    let described;
    try {
      described = await connection.workflowService.describeNamespace({ namespace });
    } catch (error) {
      if (grpcCode(error) !== NOT_FOUND) throw error;
      settings.log?.(`registering Temporal namespace ${namespace}`);
      await connection.workflowService
        .registerNamespace({ namespace, workflowExecutionRetentionPeriod: retentionTtl })
        .catch((e: unknown) => {
          if (grpcCode(e) !== ALREADY_EXISTS) throw e; // a concurrent caller won
        });
      result.namespaceCreated = true;
    }

    if (described && toNumber(described.config?.workflowExecutionRetentionTtl?.seconds) !== retentionSeconds) {
      await connection.workflowService.updateNamespace({
        namespace,
        config: { workflowExecutionRetentionTtl: retentionTtl },
      });
      result.retentionUpdated = true;
    }

    // A freshly registered namespace becomes visible to the operator service only after
    // the server's namespace cache refreshes (seconds), hence the NOT_FOUND retries.
    const existing = await retryWhileNotFound(() => connection.operatorService.listSearchAttributes({ namespace }));
    const custom = existing.customAttributes ?? {};
    const system = existing.systemAttributes ?? {};
    const missing: Record<string, number> = {};
    const mismatched: string[] = [];
    for (const [name, type] of Object.entries(settings.searchAttributes)) {
      const want = indexedValueType[type];
      const have = custom[name] ?? system[name];
      if (have === undefined || have === null) missing[name] = want;
      else if (have !== want) mismatched.push(`${name} is ${typeName(have)} on the server, config wants ${type}`);
    }
    if (mismatched.length > 0) {
      throw new Error(
        `search attributes of namespace ${namespace} conflict with the config (a type cannot be changed; ` +
          `remove the attribute or use a fresh dev database): ${mismatched.join('; ')}`,
      );
    }
    const names = Object.keys(missing);
    if (names.length > 0) {
      settings.log?.(`adding search attributes to ${namespace}: ${names.join(', ')}`);
      await retryWhileNotFound(() => connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing })).catch(
        (error: unknown) => {
          if (grpcCode(error) !== ALREADY_EXISTS) throw error; // added concurrently: fine
        },
      );
      result.createdSearchAttributes = names;
    }
    return result;
  } finally {
    if (own) await connection.close();
  }
}

async function retryWhileNotFound<T>(call: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (grpcCode(error) !== NOT_FOUND || Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
}
