/**
 * The sync benchmark's `--buffer-pool-mb` (scripts/bench/buffer-pool.ts) resizes the real MariaDB's
 * buffer pool online for one run and must put the previous size back.
 */
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { bufferPoolBytes, withBufferPool } from '../../scripts/bench/buffer-pool';

describe('bench buffer pool', () => {
  it('resizes the buffer pool and puts the previous size back', async () => {
    const url = inject('mysqlServerUrl');
    const before = await bufferPoolBytes(url);
    const wanted = before / 2 ** 20 + 128;
    const pool = await withBufferPool(url, wanted);
    try {
      // The server rounds to whole chunks, never below what was asked here (a multiple of 128 MB above a size it chose).
      expect(pool.bytes).toBeGreaterThanOrEqual(wanted * 2 ** 20);
      expect(await bufferPoolBytes(url)).toBe(pool.bytes);
    } finally {
      await pool.restore();
    }
    expect(await bufferPoolBytes(url)).toBe(before);
  });
});
