/** The failure mapping every activity shares: rate limits become waits, committed progress travels with a failure. */
import { describe, expect, it } from 'vitest';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { SourceRateLimited, SourceRequestRejected, SourceUnavailable } from '../../activities/source/errors';
import { toActivityFailure } from '../../activities/activity-wrappers';

describe('toActivityFailure', () => {
  it('turns a rate limit, however deep in the cause chain, into a retry after exactly the Retry-After', () => {
    const wrapped = new Error('destination d0: fetch failed', { cause: new SourceRateLimited('answered 429', 42_000) });
    const failure = toActivityFailure(wrapped) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'SourceRateLimited', nextRetryDelay: 42_000, message: 'destination d0: fetch failed' });
    expect(failure.stack).toBe(wrapped.stack);
  });

  it('keeps the error’s type, so the retry policies still match it, and carries the details', () => {
    const details = { totals: { pages: 3, downloaded: 75, upserted: 75, deleted: 0, rejected: 0 }, cursor: null };
    const failure = toActivityFailure(new SourceRequestRejected('answered 400', 400), details) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'SourceRequestRejected', message: 'answered 400', details: [details] });
  });

  it('leaves other errors as they are', () => {
    const err = new SourceUnavailable('answered 503');
    expect(toActivityFailure(err)).toBe(err);
    const failure = ApplicationFailure.create({ type: 'X', message: 'y' });
    expect(toActivityFailure(failure, { any: 1 })).toBe(failure);
  });

  it('leaves a cancellation a cancellation, even with details to carry', () => {
    const cancelled = new CancelledFailure('worker shutting down');
    expect(toActivityFailure(cancelled, { cursor: null })).toBe(cancelled);
    const abort = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    expect(toActivityFailure(abort, { cursor: null })).toBe(abort);
  });
});
