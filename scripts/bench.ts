// `npm run bench -- <sync|purge|reconcile> [options]`: prints figures, never pass/fail.
export {};
const [which, ...rest] = process.argv.slice(2);
switch (which) {
  case 'sync': {
    const { benchSync } = await import('./bench/sync');
    await benchSync(rest);
    break;
  }
  case 'purge': {
    const { benchPurge } = await import('./bench/purge');
    await benchPurge(rest);
    break;
  }
  case 'reconcile': {
    const { benchReconcile } = await import('./bench/reconcile');
    await benchReconcile(rest);
    break;
  }
  default:
    console.error('usage: npm run bench -- sync [--records N] | purge [--keys N] | reconcile [--keys N]');
    process.exit(2);
}
