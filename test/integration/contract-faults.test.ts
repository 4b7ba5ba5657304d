/**
 * Fault matrix: every fault the simulator can inject ends in exact data (the client retries), or —
 * for credentials that are simply wrong — in a quick, non-retryable SourceAuthFailed. The worker
 * survives all of it, and no token or secret ever reaches Temporal's history, the logs, or the
 * run's stats.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../config';
import { TOKEN_PATH } from '../../simulator/auth';
import type { FaultRule } from '../../simulator/fault-injection';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { expectDestinationsMatch } from '../support/compare';
import { expectNoViolations, mlsOf, runSync, syncFailure } from '../support/contract';
import { dropDatabases, query, testConfigInput, uniqueName, withWorker } from '../support/stack';

const secret = () => randomBytes(12).toString('hex');

describe('fault matrix (Trestle personality)', () => {
  let sim: SimulatorHandle;
  let config: Config;
  const source = uniqueName('fault');
  const clientId = `client-${secret()}`;
  const clientSecret = `secret-${secret()}`;

  beforeAll(async () => {
    sim = await startSimulator({
      records: 400,
      seed: 9,
      port: 0,
      personality: 'trestle',
      personalityOptions: { clientId, clientSecret, tokenTtlMs: 60_000 },
    });
    const input = testConfigInput({
      simulatorUrl: sim.url,
      source,
      platform: 'trestle',
      auth: { type: 'oauth2', tokenUrl: `${sim.origin}${TOKEN_PATH}`, clientId, clientSecret },
      pageSize: 100,
      // A hung response must end in seconds, not in the default minute.
      requestTimeoutMs: 3000,
      logLevel: 'debug',
    });
    config = parseConfig(input);
    await withWorker(config, () => runSync(config, source));
    await expectDestinationsMatch(config, source, 'Property', mlsOf(sim));
  });

  afterAll(async () => {
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  const cases: Array<[string, FaultRule[]]> = [
    ['5xx twice on data pages', [{ kind: '5xx', count: 2, match: 'Property?' }]],
    ['a 502 on $metadata', [{ kind: '5xx', status: 502, count: 1, match: '$metadata' }]],
    ['a connection reset', [{ kind: 'reset', count: 1, match: 'Property?' }]],
    ['a response that never comes', [{ kind: 'hang', count: 1, match: '$skiptoken' }]],
    ['truncated JSON', [{ kind: 'truncated', count: 1, match: 'Property?' }]],
    ['invalid JSON', [{ kind: 'invalid-json', count: 1, match: '$skiptoken' }]],
    ['slow answers', [{ kind: 'slow', ratio: 0.5, delayMs: 400 }]],
    ['a 429 with Retry-After', [{ kind: '429', count: 1, retryAfterSeconds: 1, match: 'Property?' }]],
    ['a token that expires early', [{ kind: 'expire-token', count: 1, match: '$skiptoken' }]],
    ['a failing token endpoint', [{ kind: '5xx', count: 1, target: 'token' }]],
    ['a 5xx on a third of all requests', [{ kind: '5xx', ratio: 0.33, count: 4 }]],
  ];

  it.each(cases)('%s: retries and ends with exact data', async (_name, rules) => {
    // A fault on a ratio of requests needs enough requests to be sure to fire: every record changes.
    sim.dataset.touch(rules.some((r) => r.ratio !== undefined) ? 400 : 180);
    sim.resetStats();
    for (const rule of rules) sim.faults.add(rule);
    await withWorker(config, async (w) => {
      await runSync(config, source);
      expect(w.worker.getState()).toBe('RUNNING');
    });
    sim.faults.clear();
    const stats = sim.stats;
    for (const rule of rules) expect(stats.faults[rule.kind], `${rule.kind} fired`).toBeGreaterThanOrEqual(1);
    expectNoViolations(sim);
    await expectDestinationsMatch(config, source, 'Property', mlsOf(sim));
  });

  it('wrong client credentials fail the workflow at once with SourceAuthFailed', async () => {
    const wrong = parseConfig({
      ...testConfigInput({ simulatorUrl: sim.url, source: uniqueName('badauth') }),
      sources: {
        bad: {
          platform: 'trestle',
          url: sim.url,
          auth: { type: 'oauth2', tokenUrl: `${sim.origin}${TOKEN_PATH}`, clientId, clientSecret: `wrong-${secret()}` },
          resources: [{ name: 'Property' }],
        },
      },
    });
    const started = Date.now();
    const failure = await withWorker(wrong, () => syncFailure(wrong, 'bad'));
    expect(failure?.type).toBe('SourceAuthFailed');
    expect(Date.now() - started).toBeLessThan(30_000);
    await dropDatabases(wrong);
  });

  it('keeps tokens and secrets out of Temporal history, logs and run stats', async () => {
    sim.dataset.touch(50);
    const { history: events } = await withWorker(config, () => runSync(config, source, { history: true }));
    const history = JSON.stringify(events);
    const logs = ['worker.log', `${source}.log`]
      .map((f) => join(config.logging.dir, f))
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    // The places searched are the real ones: they mention this source.
    expect(history).toContain(source);
    expect(logs).toContain(source);
    const runs = JSON.stringify(await query(config.control.url, 'SELECT * FROM resync_runs'));
    const secrets = [clientSecret, ...sim.issuedTokens()];
    expect(secrets.length).toBeGreaterThan(2);
    for (const s of secrets) {
      expect(history.includes(s), 'token in Temporal history').toBe(false);
      expect(logs.includes(s), 'token in logs').toBe(false);
      expect(runs.includes(s), 'token in run stats').toBe(false);
    }
  });
});

describe('a static bearer token that is wrong', () => {
  let sim: SimulatorHandle;
  const token = `good-${secret()}`;
  const wrongToken = `bad-${secret()}`;

  beforeAll(async () => {
    sim = await startSimulator({ records: 50, seed: 3, port: 0, personality: 'spark', personalityOptions: { token } });
  });

  afterAll(async () => {
    await sim?.close();
  });

  it('fails the workflow quickly with SourceAuthFailed, and the token appears nowhere', async () => {
    const source = uniqueName('bearer');
    const config = parseConfig(
      testConfigInput({ simulatorUrl: sim.url, source, platform: 'spark', auth: { type: 'bearer', token: wrongToken }, logLevel: 'debug' }),
    );
    try {
      const started = Date.now();
      const failure = await withWorker(config, () => syncFailure(config, source));
      expect(failure?.type).toBe('SourceAuthFailed');
      expect(failure?.message).not.toContain(wrongToken);
      expect(Date.now() - started).toBeLessThan(30_000);
      // Not retried: the prepare step's request, and at most the run record's metadata read.
      expect(sim.stats.byStatus['401'], JSON.stringify(sim.stats.recentExchanges)).toBeLessThanOrEqual(2);
      const runs = JSON.stringify(await query(config.control.url, 'SELECT * FROM resync_runs'));
      expect(runs).toContain('SourceAuthFailed');
      expect(runs).not.toContain(wrongToken);
      const log = join(config.logging.dir, `${source}.log`);
      if (existsSync(log)) expect(readFileSync(log, 'utf8')).not.toContain(wrongToken);
    } finally {
      await dropDatabases(config);
    }
  });
});
