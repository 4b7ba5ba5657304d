import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';

export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: '10s' });
  return new Client({ connection, namespace: config.temporal.namespace });
}

/** Link to a workflow in the Temporal Web UI. */
export function workflowUiUrl(config: Config, workflowId: string, runId?: string): string {
  const base = `${config.temporal.uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}
