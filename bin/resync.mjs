#!/usr/bin/env node
// The `resync` command of this checkout. bin/ is an npm workspace of the checkout (package.json
// "workspaces"), so `npm ci` links this file as node_modules/.bin/resync: inside the checkout,
// `npm run resync -- …` and node_modules/.bin/resync run it; nothing here is ever fetched from a
// registry. Runs the TypeScript CLI through tsx, so it works without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../worker/cli.ts');
