// temporary: purge at N keys with a worker whose V8 old space is capped, sampling its RSS.
import { spawn } from 'node:child_process';
import { readFileSync, createWriteStream } from 'node:fs';
import { parseConfig } from '../../config';
import { connectClient } from '../../worker/temporal';
import { resourceWorkflowId } from '../../workflows/names';
import { writeBenchConfig } from './harness';
import { fillDestination, startKeyBench } from './keys';
const keys = Number(process.argv[2] ?? 300000);
const heap = process.argv[3];
const bench = await startKeyBench('purge', keys, () => {});
await fillDestination(bench);
bench.sim.dataset.remove(bench.sim.dataset.liveKeys().filter((_, i) => i % 200 === 7));
const file = writeBenchConfig('probe', bench.configInput);
const log = createWriteStream('logs/bench-probe.log');
const child = spawn(
  process.execPath,
  [...(heap ? [`--max-old-space-size=${heap}`] : []), '--import', 'tsx', 'worker/cli.ts', '--config', file, 'worker'],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
child.stdout.pipe(log);
child.stderr.pipe(log);
await new Promise<void>((r) =>
  child.stdout.on('data', (c: Buffer) => {
    if (c.toString().includes('ready')) r();
  }),
);
const rss = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024);
const hwm = () => Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024);
console.log('ready rss', rss(), 'hwm', hwm());
const config = parseConfig(bench.configInput);
const client = await connectClient(config);
const t0 = Date.now();
const h = await client.workflow.start('purgeResource', {
  taskQueue: config.temporal.taskQueue,
  workflowId: resourceWorkflowId('purge', 'bench', 'Property'),
  args: [{ source: 'bench', resource: 'Property' }],
  workflowIdConflictPolicy: 'TERMINATE_EXISTING',
});
const timer = setInterval(async () => {
  try {
    const p = (await h.query('progress')) as { phase: string; keysStaged: number };
    console.log(((Date.now() - t0) / 1000).toFixed(1), p.phase, p.keysStaged, 'rss', rss(), 'hwm', hwm());
  } catch {}
}, 1000);
const r = await h.result();
clearInterval(timer);
console.log('done', (Date.now() - t0) / 1000, JSON.stringify(r).slice(0, 200), 'hwm', hwm());
child.kill('SIGTERM');
await client.connection.close();
await bench.close();
