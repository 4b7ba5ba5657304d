/**
 * `--buffer-pool-mb N`: InnoDB's buffer pool resized for one benchmark run, then put back. An initial
 * load whose tables outgrow the buffer pool makes the server split and re-read pages all over the
 * index, as a sync's pages come in the MLS's order (docs/benchmarks.md); this shows by how much, on
 * the same server, without restarting it.
 */
import { query } from './sql';

/** Seconds to wait for an online resize, which the server does in the background. */
const RESIZE_TIMEOUT_MS = 120_000;

/** InnoDB's buffer pool size now, in bytes. */
export async function bufferPoolBytes(serverUrl: string): Promise<number> {
  const rows = (await query(serverUrl, 'SELECT @@innodb_buffer_pool_size AS size')) as { size: unknown }[];
  const size = Number(rows[0]?.size);
  if (!Number.isSafeInteger(size) || size <= 0) throw new Error(`the server gave no buffer pool size (${String(rows[0]?.size)})`);
  return size;
}

/** Asks for `bytes` and waits until the server says the resize is done; returns the size it settled on. */
async function resize(serverUrl: string, bytes: number): Promise<number> {
  await query(serverUrl, `SET GLOBAL innodb_buffer_pool_size = ${bytes}`);
  const deadline = Date.now() + RESIZE_TIMEOUT_MS;
  for (;;) {
    const rows = (await query(serverUrl, "SHOW STATUS LIKE 'Innodb_buffer_pool_resize_status'")) as { Value?: unknown }[];
    const status = String(rows[0]?.Value ?? '');
    // Empty before any resize, "Completed resizing buffer pool at …" after one.
    if (status === '' || /^Completed/i.test(status)) return bufferPoolBytes(serverUrl);
    if (Date.now() > deadline) throw new Error(`the buffer pool resize did not finish in ${RESIZE_TIMEOUT_MS / 1000} s: ${status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Sets the buffer pool to `megabytes` and returns a function that puts the previous size back.
 * The server rounds the size to its chunk size, so the size it settled on is returned too.
 */
export async function withBufferPool(serverUrl: string, megabytes: number): Promise<{ bytes: number; restore: () => Promise<void> }> {
  const previous = await bufferPoolBytes(serverUrl);
  const bytes = await resize(serverUrl, megabytes * 1024 * 1024);
  return {
    bytes,
    restore: async () => {
      if ((await bufferPoolBytes(serverUrl)) !== previous) await resize(serverUrl, previous);
    },
  };
}
