import { describe, expect, it } from 'vitest';
import { readAhead } from '../../activities/source/paging/read-ahead';

/** Pages 1..n; records when each is requested and when it has arrived. */
function source(n: number, events: string[], failAt?: number): AsyncGenerator<number> {
  return (async function* () {
    for (let i = 1; i <= n; i++) {
      events.push(`request ${i}`);
      await new Promise((r) => setTimeout(r, 5));
      if (i === failAt) throw new Error(`page ${i} failed`);
      events.push(`arrived ${i}`);
      yield i;
    }
  })();
}

describe('readAhead', () => {
  it('requests the next page before the current one is processed', async () => {
    const events: string[] = [];
    for await (const { page } of readAhead(source(3, events), () => true)) {
      events.push(`write ${page} start`);
      await new Promise((r) => setTimeout(r, 20));
      events.push(`write ${page} end`);
    }
    expect(events.indexOf('request 2')).toBeLessThan(events.indexOf('write 1 end'));
    expect(events.indexOf('arrived 2')).toBeLessThan(events.indexOf('write 1 end'));
    expect(events.filter((e) => e.startsWith('write') && e.endsWith('end'))).toEqual(['write 1 end', 'write 2 end', 'write 3 end']);
  });

  it('leaves the next page to the pages when they have it on its way, asking for it when the caller does', async () => {
    const events: string[] = [];
    for await (const { page } of readAhead(
      source(3, events),
      () => true,
      (p) => p < 3,
    )) {
      events.push(`write ${page} start`);
      await new Promise((r) => setTimeout(r, 20));
      events.push(`write ${page} end`);
    }
    // No second page read ahead: page 2 is asked for once page 1 is written.
    expect(events.indexOf('request 2')).toBeGreaterThan(events.indexOf('write 1 end'));
    expect(events.filter((e) => e.startsWith('write') && e.endsWith('end'))).toEqual(['write 1 end', 'write 2 end', 'write 3 end']);
  });

  it('ends the pages when the caller stops, so what they requested ahead can be cancelled', async () => {
    let ended = false;
    const pages = (async function* () {
      try {
        for (let i = 1; ; i++) yield i;
      } finally {
        ended = true;
      }
    })();
    for await (const { page } of readAhead(
      pages,
      () => true,
      () => true,
    ))
      if (page === 2) break;
    expect(ended).toBe(true);
  });

  it('asks for nothing more once continueAfter says no', async () => {
    const events: string[] = [];
    const seen: Array<[number, boolean]> = [];
    for await (const { page, stopped } of readAhead(source(5, events), (p) => p < 2)) seen.push([page, stopped]);
    expect(seen).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(events).not.toContain('request 3');
  });

  it('throws a failed download when its turn comes, after the pages before it', async () => {
    const events: string[] = [];
    const pages: number[] = [];
    await expect(
      (async () => {
        for await (const { page } of readAhead(source(5, events, 3), () => true)) pages.push(page);
      })(),
    ).rejects.toThrow('page 3 failed');
    expect(pages).toEqual([1, 2]);
  });

  it('leaves no unhandled rejection when the caller stops before a failed download is read', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const events: string[] = [];
      for await (const { page } of readAhead(source(5, events, 2), () => true)) {
        if (page === 1) {
          await new Promise((r) => setTimeout(r, 30)); // page 2 fails meanwhile
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
