/**
 * One page ahead: the request for the next page goes out as soon as a page arrives, so the MLS and
 * the database work at the same time instead of taking turns. Callers heartbeat a page only after
 * committing it, so the page in flight is simply downloaded again after a crash.
 */
export interface AheadItem<T> {
  page: T;
  /** True when `continueAfter` said no: no request was made for a following page. */
  stopped: boolean;
}

/**
 * `continueAfter(page)` runs when the page arrives and decides whether the next one is requested
 * (a chunk whose time budget is spent asks for nothing it would then drop). `requestedAhead(page)`
 * true means the pages already have the following one on its way (nextLink paging requests it on
 * its link's hint): the pages are then asked for it only when the caller wants it, so a caller
 * slower than the MLS never has a second page read ahead (see docs/decisions.md).
 */
export async function* readAhead<T>(
  pages: AsyncIterator<T>,
  continueAfter: (page: T) => boolean,
  requestedAhead: (page: T) => boolean = () => false,
): AsyncGenerator<AheadItem<T>> {
  let pending: Promise<IteratorResult<T>> | null = pages.next();
  try {
    while (pending) {
      const step: IteratorResult<T> = await pending;
      if (step.done) return;
      const stopped: boolean = !continueAfter(step.value);
      const deferred: boolean = !stopped && requestedAhead(step.value);
      pending = stopped || deferred ? null : pages.next();
      // A failed download is thrown when its turn comes; if the caller stops first, it is moot.
      pending?.catch(() => undefined);
      yield { page: step.value, stopped };
      if (deferred) pending = pages.next();
    }
  } finally {
    // Ended early (stopped, or the caller broke off): the pages end too, which lets them cancel
    // anything they requested ahead. Not awaited while a page is still on its way.
    const ended = pages.return?.();
    if (pending) ended?.catch(() => undefined);
    else await ended?.catch(() => undefined);
  }
}
