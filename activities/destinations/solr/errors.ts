/** Typed failures of the Solr destination; the worker's retry policy matches on `name`. */

/** Solr answered, but refused the request (its own message is kept). */
export class SolrRequestFailed extends Error {
  override readonly name = 'SolrRequestFailed';

  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Solr did not answer (connection refused, reset, timeout): a retry may succeed. */
export class SolrUnavailable extends Error {
  override readonly name = 'SolrUnavailable';
}

/** A core (or collection) that cannot be created or used here; a person has to act. */
export class SolrAdminError extends Error {
  override readonly name = 'SolrAdminError';
}

/** Metadata that cannot become a Solr schema (a reserved or unusable field name, a type clash). */
export class SolrSchemaError extends Error {
  override readonly name = 'SolrSchemaError';
}
