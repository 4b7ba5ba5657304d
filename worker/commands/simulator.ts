/** `resync simulator`: serves the simulated MLS in the foreground until Ctrl-C. */
import { startSimulator } from '../../simulator/server';

export async function runSimulatorCommand(opts: { port: number; records: number; seed: number; personality: 'generic' }): Promise<void> {
  const sim = await startSimulator({
    host: '127.0.0.1',
    port: opts.port,
    records: opts.records,
    seed: opts.seed,
    personality: opts.personality,
  });
  console.log(`simulator (${opts.personality}) with ${opts.records} listings, seed ${opts.seed}: ${sim.url}`);
  console.log(`  metadata: ${sim.url}/$metadata   admin: ${new URL('/admin/stats', sim.url).href}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
}
