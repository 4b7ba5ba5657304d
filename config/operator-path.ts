/**
 * Paths the operator types (`--config`, $RESYNC_CONFIG, a metadata file) are relative to the folder
 * the command was typed in. `npm run resync -- …` (also as `npm --prefix <checkout> run resync -- …`
 * from elsewhere) runs the CLI in the checkout's root; npm keeps the folder it was started in as
 * $INIT_CWD.
 */
import { resolve } from 'node:path';
import { paths } from '../scripts/lib/paths';

/** The folder the operator ran the command from. */
export function operatorDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  // Only when npm moved us: a process started by other means keeps its own working folder.
  if (env.INIT_CWD && env.npm_lifecycle_event && cwd === paths.root) return env.INIT_CWD;
  return cwd;
}

/** `path` resolved against the folder the operator ran the command from (absolute paths win). */
export function operatorPath(path: string): string {
  return resolve(operatorDir(), path);
}
