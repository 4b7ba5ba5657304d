/**
 * Typed source errors. Their `name` becomes the Temporal failure type, which the retry policies
 * match on: a request the MLS rejects will be rejected again, so retrying it only burns quota.
 */

/** 400/404/422 and other answers that a retry cannot change. Non-retryable. */
export class SourceRequestRejected extends Error {
  override readonly name = 'SourceRequestRejected';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** 401/403 that survived a token refresh. Non-retryable: a person must fix the credentials. */
export class SourceAuthFailed extends Error {
  override readonly name = 'SourceAuthFailed';
}

/** 5xx, resets, timeouts, truncated or invalid JSON. Retryable with backoff. */
export class SourceUnavailable extends Error {
  override readonly name = 'SourceUnavailable';
}

/** 429. Retryable after `retryAfterMs`. */
export class SourceRateLimited extends Error {
  override readonly name = 'SourceRateLimited';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** The MLS answered 200 with a body that is not a valid OData collection. Retryable (often truncation). */
export class SourceResponseInvalid extends Error {
  override readonly name = 'SourceResponseInvalid';
}
