/**
 * Worker bootstrap: one Node process hosting the workflows and activities on the config's task queue.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { workflowBundlePath } from './bundle';
import { applyMemoryPolicy } from './memory';
import { setPageCollection } from '../activities/source/body-thread';
import type { Config } from '../config';
import { createActivities, Runtime } from '../activities';
import { createLogging, installTemporalLogging, type Logging } from './logger';
import { activityFailureLogging } from './activity-failure-log';
import { configFingerprint } from '../config/fingerprint';
import { checkTaskQueue, registerRunningWorker, workerIdentity } from './task-queue-guard';

export interface RunningWorker {
  worker: Worker;
  runtime: Runtime;
  logging: Logging;
  /** Resolves when the worker has stopped (after shutdown() or a fatal error). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export async function startWorker(config: Config, opts: { console?: boolean } = {}): Promise<RunningWorker> {
  const memory = applyMemoryPolicy(config.worker.heapGrowthPercent, config.worker.syncHeapGrowthPercent);
  setPageCollection(memory?.collectSoon);
  const logging = createLogging({ dir: config.logging.dir, level: config.logging.level, console: opts.console ?? true });
  installTemporalLogging(logging.root);
  const runtime = new Runtime(config, logging.root, (source) => logging.forSource(source));
  // Fail fast on an unreachable control DB rather than on the first run.
  await runtime.statsStore();
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  // Before polling: a worker of another config on this queue would take our runs, and we theirs.
  const fingerprint = configFingerprint(config);
  try {
    const strangers = await checkTaskQueue(connection, {
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      fingerprint,
    });
    for (const poller of strangers) {
      logging.root.warn(
        { taskQueue: config.temporal.taskQueue, identity: poller.identity },
        "task queue is also polled by a worker that names no resync config: it may take this config's runs",
      );
    }
  } catch (error) {
    await connection.close().catch(() => undefined);
    await runtime.close();
    logging.close();
    throw error;
  }
  const worker = await Worker.create({
    connection,
    identity: workerIdentity(fingerprint),
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
  logging.root.info({ taskQueue: config.temporal.taskQueue, address: config.temporal.address, fingerprint }, 'worker started');
  const release = registerRunningWorker(fingerprint);
  const done = worker.run().finally(async () => {
    release();
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
