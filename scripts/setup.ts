// `npm run setup` / `npx tsx scripts/setup.ts [--check] [--quiet]`
// Prepares a checkout for `npm start` and `npm test`: Temporal CLI, a running local
// MariaDB, PostgreSQL, Solr and an S3-compatible server (moto), runtime folders, the dashboard's web build and Chromium for
// its browser tests.
// Safe to run any number of times (`npm test` runs it first).
//   --check  report each step's status, change nothing; exit 0 only when all are present
//   --quiet  print only problems and the actions taken to fix them
import { pathToFileURL } from 'node:url';
import { runSetup } from './lib/setup-steps';

export * from './lib/setup-steps';

const usage = 'usage: tsx scripts/setup.ts [--check] [--quiet]';

export async function main(argv: readonly string[]): Promise<number> {
  const flags = new Set(argv);
  for (const flag of flags) {
    if (flag === '--help' || flag === '-h') {
      console.log(usage);
      return 0;
    }
    if (flag !== '--check' && flag !== '--quiet') {
      console.error(`unknown option ${flag}\n${usage}`);
      return 2;
    }
  }
  const ok = await runSetup({ check: flags.has('--check'), quiet: flags.has('--quiet') });
  if (!ok && !flags.has('--check')) console.error('setup did not complete; see the messages above.');
  return ok ? 0 : 1;
}

// Run only when executed directly, so other code can import the steps without side effects.
const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  process.exitCode = await main(process.argv.slice(2));
}
