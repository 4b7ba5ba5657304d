// Re-exports every workflow the worker registers (its workflowsPath points here).
export { syncResource, progressQuery } from './sync';
export { runSource, runSourceProgressQuery } from './run-source';
export { purgeResource, purgeProgressQuery } from './purge';
export { reconcileResource, reconcileProgressQuery } from './reconcile';
export { syncMediaFiles, mediaProgressQuery } from './media';
