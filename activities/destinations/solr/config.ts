/**
 * What a Solr destination is given. The config's `solrDestinationSchema` (config/schema.ts) is
 * validated into this by createDestination (its `corePrefix` becomes `makeCoreName`).
 */
import type { RecordTransform } from '../../../config';

export interface SolrDestinationConfig {
  type: 'solr';
  /** The node's base URL, e.g. http://127.0.0.1:8993/solr (SolrCloud: any node). */
  url: string;
  /** Create cores and add fields from $metadata (default true). Off: cores and fields must exist. */
  manageSchema?: boolean;
  /** (source, resource) → core or collection name. Default: the resource name (children: `<Resource><Navigation>`). */
  makeCoreName?: (source: string, resource: string) => string;
  /**
   * Visibility of each page: unset (default) soft-commits at the end of every page, so counts,
   * high-water marks and reads see it at once; a number sends `commitWithin` (ms) instead, cheaper
   * on a large initial load, with reads lagging by up to that long. `commit()` ends a run with a
   * hard commit either way.
   */
  commitWithinMs?: number;
  /** As for MySQL: shapes or skips each record (children too, with `parent`). */
  transform?: RecordTransform;
  /** As for MySQL: MLS key ↔ stored key. */
  keyMapping?: {
    toDestination: (key: string, resource: string) => string;
    toMls: (key: string, resource: string) => string;
  };
  /** Standalone cores: the configset copied into each new core's conf/ (default scripts/solr/configset). */
  configSetDir?: string;
  /** Standalone cores: the node's Solr home as seen from here (default: what the node reports). */
  solrHome?: string;
  /** Per-request timeout (default 120 s). */
  requestTimeoutMs?: number;
}
