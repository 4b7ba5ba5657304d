/**
 * How `--wait` shows progress. On a terminal: one line rewritten in place every second. Anywhere
 * else (a file, a pipe, a CI log) carriage returns make a mess, so: a plain line whenever the run's
 * state changes (phase, a retry, its last error) and otherwise one every `everyMs` — never minutes
 * of silence.
 */
import type { LiveProgress } from './progress';

/** Between two plain lines when nothing but the counts changed. */
export const PLAIN_LINE_EVERY_MS = 10_000;

export interface ProgressPrinter {
  /** The callback to give waitForResourceRun. */
  print(line: string, final: boolean, progress?: LiveProgress): void;
  /** Clears the in-place line (terminal) before the outcome is printed. */
  end(): void;
}

export function progressPrinter(opts: {
  tty: boolean;
  /** Machine-readable output: no progress at all on stdout. */
  json?: boolean;
  write?: (text: string) => void;
  everyMs?: number;
  now?: () => number;
}): ProgressPrinter {
  const write = opts.write ?? ((text: string) => void process.stdout.write(text));
  const now = opts.now ?? Date.now;
  const everyMs = opts.everyMs ?? PLAIN_LINE_EVERY_MS;
  let inPlace = false;
  let lastState: string | undefined;
  let lastAt = 0;
  return {
    print(line, _final, progress) {
      if (opts.json) return;
      if (opts.tty) {
        write(`\r\x1b[K${line}`);
        inPlace = true;
        return;
      }
      const state = progress ? stateOf(progress) : line;
      if (state !== lastState || now() - lastAt >= everyMs) {
        write(`${line}\n`);
        lastState = state;
        lastAt = now();
      }
    },
    end() {
      if (inPlace) write('\r\x1b[K');
      inPlace = false;
    },
  };
}

/** What makes a new plain line worth printing at once (counts alone wait for the interval). */
function stateOf(p: LiveProgress): string {
  return JSON.stringify([p.phase, p.attempt, p.activity, p.lastFailure, p.interruptions ?? 0]);
}
