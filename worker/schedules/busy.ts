/**
 * Whether "Run now" would do anything. Every run of a process on a resource has a fixed workflow
 * ID (`sync/<source>/<resource>`), so a runSource started while one of them is open skips that
 * resource; and a manual runSource has a fixed ID too. Asking for those IDs directly (a describe
 * each, at most a handful) sees runs started by the CLI, by a schedule or by another dashboard,
 * whatever their search attributes.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { manualRunWorkflowId, resourceWorkflowId, type ProcessName } from '../../workflows/names';

/** The open workflow IDs among those a run of `process` on these resources of `source` would collide with. */
export async function busyRuns(client: Client, source: string, process: ProcessName, resources: string[]): Promise<string[]> {
  const ids = [manualRunWorkflowId(source, process), ...resources.map((r) => resourceWorkflowId(process, source, r))];
  const open = await Promise.all(
    ids.map(async (id) => {
      try {
        const d = await client.workflow.getHandle(id).describe();
        return d.status.name === 'RUNNING' ? id : undefined;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
    }),
  );
  return open.filter((id): id is string => id !== undefined);
}
