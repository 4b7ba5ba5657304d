// `npm run logs -- <source>`: pretty-prints logs/<source>.log (or logs/worker.log without an
// argument) through pino-pretty; `-f` keeps following it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fromRoot } from './lib/paths';

const args = process.argv.slice(2);
const follow = args.includes('-f');
const name = args.find((a) => !a.startsWith('-')) ?? 'worker';
const file = fromRoot('logs', `${name}.log`);
if (!existsSync(file)) {
  console.error(`no log at ${file} (sources log to logs/<source>.log once a worker has run them)`);
  process.exit(1);
}
const prettyBin = createRequire(import.meta.url).resolve('pino-pretty/bin.js');
const tail = spawn('tail', [follow ? '-F' : '-n', follow ? '-n+1' : '+1', file], { stdio: ['ignore', 'pipe', 'inherit'] });
const pretty = spawn(process.execPath, [prettyBin, '--translateTime', 'SYS:standard', '--ignore', 'pid,hostname'], {
  stdio: ['pipe', 'inherit', 'inherit'],
});
tail.stdout.pipe(pretty.stdin);
tail.on('exit', () => pretty.stdin.end());
