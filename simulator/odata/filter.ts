/**
 * The `$filter` parser lives in activities/common/odata/ since `resync config check` uses it too
 * (a config's `$filter` is parsed before any request); the simulator keeps importing it from here.
 */
export * from '../../activities/common/odata/filter';
