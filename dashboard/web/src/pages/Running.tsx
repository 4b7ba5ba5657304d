// Everything running now on this deployment's task queue: progress, ETA and retries.
import type { RunningResponse } from '../../../server/api-types';
import { usePoll } from '../api';
import { ErrorBox, RunningItem } from '../components';

export function RunningPage() {
  const { data, error } = usePoll<RunningResponse>('/api/running');
  const resources = data?.workflows.filter((w) => w.workflowType !== 'runSource') ?? [];
  const parents = data?.workflows.filter((w) => w.workflowType === 'runSource') ?? [];
  return (
    <section>
      <h1>Running</h1>
      <ErrorBox error={error} />
      {data && data.workflows.length === 0 && (
        <p className="muted" data-testid="nothing-running">
          Nothing is running.
        </p>
      )}
      {resources.length > 0 && (
        <>
          <h2>Resources</h2>
          <div className="running-list">
            {resources.map((w) => (
              <RunningItem key={w.workflowId} w={w} />
            ))}
          </div>
        </>
      )}
      {parents.length > 0 && (
        <>
          <h2>Source runs</h2>
          <div className="running-list">
            {parents.map((w) => (
              <RunningItem key={w.workflowId} w={w} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}
