// Child-process entry of worker/bundle.ts: `node --import tsx worker/bundle-build.ts <target>`.
import { buildBundle } from './bundle';

const target = process.argv[2];
if (!target) {
  console.error('usage: bundle-build.ts <target file>');
  process.exit(2);
}
await buildBundle(target);
