/** A worker in a child process, so a test can SIGKILL it like a crashed machine. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { fromRoot } from '../../scripts/lib/paths';
import { buildCli } from '../../scripts/build';

export interface ChildWorker {
  process: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Built once per test process: the sources do not change while tests run. */
let builtCli: Promise<string> | undefined;

/** `built`: run the CLI built into dist/ on plain Node, as production does, instead of the sources through tsx. */
export async function startChildWorker(configFile: string, logName: string, opts: { built?: boolean } = {}): Promise<ChildWorker> {
  mkdirSync(fromRoot('test-artifacts'), { recursive: true });
  const log = createWriteStream(fromRoot('test-artifacts', `${logName}.log`), { flags: 'a' });
  const cli = opts.built ? [await (builtCli ??= buildCli())] : ['--import', 'tsx', fromRoot('worker', 'cli.ts')];
  const child = spawn(process.execPath, [...cli, '--config', configFile, 'worker'], {
    cwd: fromRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  // Ready when the worker command prints its ready line (independent of the log level).
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker ${logName} did not start within 60 s`));
    }, 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('resync worker ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${logName} exited early with ${code}`));
    });
  });
  return {
    process: child,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
}
