// Creating and removing cores on a standalone Solr node, each with its OWN copy of the configset.
// The logic lives with the Solr destination, which creates its cores itself
// (activities/destinations/solr/cores.ts, where the reason for a conf/ per core is explained);
// scripts and tests keep importing it from here.
export {
  assertSolrCoreName,
  createSolrCore,
  deleteSolrCore,
  SolrAdminError,
  solrCoreExists,
  type CreatedSolrCore,
  type CreateSolrCoreOptions,
} from '../../activities/destinations/solr/cores';
