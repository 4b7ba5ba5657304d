/**
 * Trestle contract: OAuth2 client credentials with expiring tokens, `replication=true` for bulk
 * reads (plain queries may page only so deep), `$top` ≤ 1,000 (300,000 selecting keys only),
 * opaque nextLinks that expire when left idle, quota headers.
 */
import { expect, it } from 'vitest';
import { TOKEN_PATH } from '../../simulator/auth';
import { describeContract, expectNoViolations, runSync } from '../support/contract';
import { expectDestinationsMatch } from '../support/compare';
import { withWorker } from '../support/stack';

const clientId = 'contract-client';
const clientSecret = 'contract-secret-9f2c';

describeContract({
  personality: 'trestle',
  platform: 'trestle',
  pageSize: 200,
  // Short enough that tests meet them: tokens live 4 s, nextLinks 5 s idle, 500 records without replication=true.
  simulator: { personalityOptions: { clientId, clientSecret, tokenTtlMs: 4000, nextLinkIdleMs: 5000, nonReplicationRecords: 500 } },
  config: (sim) => ({ auth: { type: 'oauth2', tokenUrl: `${sim.origin}${TOKEN_PATH}`, clientId, clientSecret } }),
  more: ({ sim, config, source, mls }) => {
    it('pages on replication=true and gets a new token before the old one expires', () => {
      const stats = sim().stats;
      expect(stats.byPath[TOKEN_PATH] ?? 0).toBeGreaterThanOrEqual(1);
      expect(sim().issuedTokens().length).toBeGreaterThanOrEqual(1);
    });

    it('queries the window again when a nextLink expired while the client was away', async () => {
      sim().dataset.touch(450);
      sim().resetStats();
      // The first nextLink request is held 6 s before it is answered: by then its link has been idle
      // longer than the 5 s the simulator allows.
      sim().faults.add({ kind: 'slow', count: 1, delayMs: 6000, match: '$skiptoken' });
      await withWorker(config(), () => runSync(config(), source));
      expectNoViolations(sim());
      expect(sim().stats.refusalsByReason['nextlink-expired']).toBeGreaterThanOrEqual(1);
      await expectDestinationsMatch(config(), source, 'Property', mls());
    });
  },
});
