/**
 * Worker bootstrap: one Node process hosting the workflows and activities on task queue `resync`.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { workflowBundlePath } from './bundle';
import { applyMemoryPolicy } from './memory';
import type { Config } from '../config';
import { createActivities, Runtime } from '../activities';
import { createLogging, installTemporalLogging, type Logging } from './logger';
import { activityFailureLogging } from './activity-failure-log';

export interface RunningWorker {
  worker: Worker;
  runtime: Runtime;
  logging: Logging;
  /** Resolves when the worker has stopped (after shutdown() or a fatal error). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export async function startWorker(config: Config, opts: { console?: boolean } = {}): Promise<RunningWorker> {
  const memory = applyMemoryPolicy(config.worker.heapGrowthPercent);
  const logging = createLogging({ dir: config.logging.dir, level: config.logging.level, console: opts.console ?? true });
  installTemporalLogging(logging.root);
  const runtime = new Runtime(config, logging.root, (source) => logging.forSource(source));
  // Fail fast on an unreachable control DB rather than on the first run.
  await runtime.statsStore();
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowBundle: { codePath: await workflowBundlePath() },
    activities: createActivities(runtime),
    // Heartbeats reach the server at least every second, so a crash loses at most about a
    // second of committed pages (the retry resumes from the last heartbeat that arrived).
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    shutdownGraceTime: '10s',
    interceptors: {
      activity: [
        activityFailureLogging({
          root: logging.root,
          forSource: (source) => (config.sources[source] ? logging.forSource(source) : undefined),
        }),
        ...(memory ? [memory.interceptor] : []),
      ],
    },
  });
  memory?.collectOnce();
  logging.root.info({ taskQueue: config.temporal.taskQueue, address: config.temporal.address }, 'worker started');
  const done = worker.run().finally(async () => {
    await runtime.close();
    await connection.close().catch(() => undefined);
    logging.root.info('worker stopped');
    logging.close();
  });
  return {
    worker,
    runtime,
    logging,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
