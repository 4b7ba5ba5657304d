/** OData instants live in activities/common/odata/ beside the `$filter` parser that reads them. */
export * from '../../activities/common/odata/instant';
