// Re-exports every workflow the worker registers (its workflowsPath points here).
export { syncResource, progressQuery } from './sync';
