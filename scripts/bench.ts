// `npm run bench -- <sync|convert|purge|reconcile|media> [options]`: prints figures, never pass/fail.
export {};
const [which, ...rest] = process.argv.slice(2);
switch (which) {
  case 'sync': {
    const { benchSync } = await import('./bench/sync');
    await benchSync(rest);
    break;
  }
  case 'convert': {
    const { benchConvert } = await import('./bench/convert');
    await benchConvert(rest);
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
  case 'media': {
    const { benchMedia } = await import('./bench/media');
    await benchMedia(rest);
    break;
  }
  default:
    console.error(
      'usage: npm run bench -- sync [--records N] [--destination mysql|postgres|solr] | convert [--records N] | purge [--keys N] | reconcile [--keys N] | media [--files N] [--concurrency N]',
    );
    process.exit(2);
}
