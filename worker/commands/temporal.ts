/** `resync temporal`: runs the dev server from temporal-dev.yaml in the foreground until Ctrl-C. */
import { consoleLog } from '../../scripts/lib/log';
import { ensureTemporalCli } from '../../scripts/lib/setup-steps';
import { loadTemporalDevConfig, startTemporalDev } from '../../scripts/lib/temporal-dev';

export async function runTemporalCommand(opts: { file: string }): Promise<void> {
  const cli = await ensureTemporalCli(consoleLog);
  const config = await loadTemporalDevConfig(opts.file);
  const server = await startTemporalDev({ config, detached: false, cliPath: cli.path, log: consoleLog });
  console.log(`Temporal frontend ${server.address}, namespace ${server.namespace}${server.uiUrl ? `, Web UI ${server.uiUrl}` : ''}`);
  if (!server.started) {
    console.log('(an already running server was reused; nothing to stop)');
    return;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.stop();
}
