/**
 * `resync status` and `resync record`: read-only looks at the MLS, the destinations and the run
 * history. Exit codes — status: 0, or 1 when a last run failed or something could not be read;
 * record: 0 identical everywhere, 1 a difference (or missing/stale row), 2 could not compare.
 */
import pino from 'pino';
import type { Config } from '../../config';
import { Runtime } from '../../activities/runtime';
import { collectStatus } from '../inspect/status';
import { formatStatus } from '../inspect/status-format';
import { compareRecord, formatRecordReport, recordExitCode } from '../inspect/record';
import { connectClient } from '../temporal';

export async function statusCommand(config: Config, source: string | undefined, opts: { json?: boolean }): Promise<number> {
  const runtime = new Runtime(config, pino({ level: 'silent' }));
  const client = await connectClient(config).catch(() => null);
  try {
    const report = await collectStatus({ config, runtime, client }, source);
    console.log(opts.json ? JSON.stringify(report, null, 2) : formatStatus(report));
    return report.problems.length ? 1 : 0;
  } finally {
    await client?.connection.close().catch(() => undefined);
    await runtime.close();
  }
}

export async function recordCommand(
  config: Config,
  source: string,
  resource: string,
  key: string,
  opts: { json?: boolean },
): Promise<number> {
  const runtime = new Runtime(config, pino({ level: 'silent' }));
  try {
    const report = await compareRecord(runtime, source, resource, key);
    console.log(opts.json ? JSON.stringify(report, null, 2) : formatRecordReport(report));
    return recordExitCode(report);
  } catch (err) {
    console.error(`resync record: ${(err as Error).message}`);
    return 2;
  } finally {
    await runtime.close();
  }
}
