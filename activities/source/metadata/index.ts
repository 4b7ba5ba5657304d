export * from './model';
export { parseEdmx } from './edmx';
export { MetadataError } from './errors';
export { CURSOR_FIELD_CANDIDATES, cursorFields, findEntityType, generalProblems, summarizeResources } from './resources';
export type { ResourceSummary } from './resources';
export { ResourceUnusable, resolveResource, unusableReason } from './usable';
export type { ResourceResolution } from './usable';
