/**
 * Whether the staged keys can be trusted as the MLS's whole key set. The keys the window pass
 * delivered must reach the window's `@odata.count`. They can fall short honestly when records are
 * deleted or modified during the download (both leave the window), so a shortfall is checked once
 * more against a count of the window taken after the download; short of that too, the download
 * lost keys (a truncated page, a server that stopped early) and purge must not act on it.
 */
import type { Runtime } from '../runtime';
import { countUrl } from '../source/requests';
import type { VerifyKeysInput, VerifyKeysResult } from '../../workflows/key-types';
import { keyContext, type KeyContext } from './context';
import { countStaged, DELETED_SIDE, MLS_SIDE, touchRun } from './staging';

export async function verifyStagedKeys(runtime: Runtime, input: VerifyKeysInput): Promise<VerifyKeysResult> {
  const ctx = await keyContext(runtime, input, 'verify');
  await touchRun(ctx.pool, input.runId);
  const live = await countStaged(ctx.pool, input.runId, MLS_SIDE);
  // `@odata.count` also counts the records the platform announces as deleted.
  const window = live.window + (await countStaged(ctx.pool, input.runId, DELETED_SIDE)).window;
  const all = live.all;
  const result: VerifyKeysResult = { staged: all, windowStaged: window, expected: input.expected, recount: null, problem: null };
  if (all === 0) {
    result.problem = 'the key download is empty: the MLS returned no keys at all';
  } else if (input.expected !== null && window < input.expected) {
    result.recount = await countWindow(ctx, input.upperBound);
    if (result.recount === null || window < result.recount) {
      result.problem =
        `the key download is short: ${window} keys arrived, and the MLS counts ${input.expected} in the window` +
        (result.recount === null ? '' : ` (${result.recount} when counted again after the download)`);
    }
  }
  ctx.log.info(result, result.problem ? 'staged keys incomplete' : 'staged keys verified');
  return result;
}

async function countWindow(ctx: KeyContext, upperBound: string): Promise<number | null> {
  // Counted as the download counted its window: live records only, the user's filter as the platform takes it.
  const url = countUrl(ctx, { window: { from: null, upperBound }, liveOnly: true });
  const page = await ctx.src.http.getCollection(url, ctx.signal);
  return page.count;
}
