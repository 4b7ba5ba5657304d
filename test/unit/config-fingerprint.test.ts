import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config';
import { configFingerprint, sourceDescription, sourceFingerprint, withoutCredentials } from '../../config/fingerprint';
import { judgePollers, parseIdentity, RECENT_POLL_MS, type LivenessProbe } from '../../worker/task-queue-guard';

function input(opts: { destUrl?: string; filter?: string; pageSize?: number } = {}) {
  return {
    sources: {
      demo: {
        platform: 'generic',
        url: 'http://127.0.0.1:1/odata',
        destinations: ['main'],
        resources: [
          {
            name: 'Property',
            select: ['ListPrice', 'City'],
            ...(opts.filter ? { filter: opts.filter } : {}),
            ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
          },
          { name: 'Member' },
        ],
      },
    },
    destinations: {
      main: { type: 'mysql', url: opts.destUrl ?? 'mysql://app:secret@127.0.0.1:3306/mls' },
      unused: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/other' },
    },
    control: { url: 'mysql://root@127.0.0.1:3306/resync' },
  };
}

/** The same config with every object's keys, the resources and the select list in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return [...value].reverse().map(reversed);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reversed(v)]),
    );
  }
  return value;
}

describe('config fingerprint', () => {
  it('is short and the same whatever order the config is written in', () => {
    const fp = configFingerprint(parseConfig(input()));
    expect(fp).toMatch(/^[0-9a-f]{12}$/);
    expect(configFingerprint(parseConfig(reversed(input())))).toBe(fp);
    expect(configFingerprint(parseConfig(input()))).toBe(fp);
  });

  it('changes with a destination URL, a filter or a source URL, not with tuning or unused destinations', () => {
    const fp = configFingerprint(parseConfig(input()));
    expect(configFingerprint(parseConfig(input({ destUrl: 'mysql://app:secret@127.0.0.1:3306/mls_b' })))).not.toBe(fp);
    expect(configFingerprint(parseConfig(input({ destUrl: 'mysql://app:secret@10.0.0.9:3306/mls' })))).not.toBe(fp);
    expect(configFingerprint(parseConfig(input({ filter: "StandardStatus eq 'Active'" })))).not.toBe(fp);
    const otherMls = input();
    otherMls.sources.demo.url = 'http://127.0.0.1:2/odata';
    expect(configFingerprint(parseConfig(otherMls))).not.toBe(fp);
    expect(configFingerprint(parseConfig(input({ pageSize: 50 })))).toBe(fp);
    const otherUnused = input();
    otherUnused.destinations.unused.url = 'mysql://root@127.0.0.1:3306/elsewhere';
    expect(configFingerprint(parseConfig(otherUnused))).toBe(fp);
  });

  it('ignores user names and passwords, and never contains them', () => {
    const fp = configFingerprint(parseConfig(input()));
    expect(configFingerprint(parseConfig(input({ destUrl: 'mysql://other:rotated@127.0.0.1:3306/mls' })))).toBe(fp);
    const described = JSON.stringify(sourceDescription(parseConfig(input()), 'demo'));
    expect(described).not.toContain('secret');
    expect(described).not.toContain('app');
    expect(withoutCredentials('postgres://u:p@db:5432/mls?sslpassword=x&application_name=r')).toBe(
      'postgres://db:5432/mls?application_name=r',
    );
  });

  it('has a per-source fingerprint that follows that source only', () => {
    const a = parseConfig(input());
    const b = parseConfig({
      ...input(),
      sources: {
        ...input().sources,
        other: { url: 'http://127.0.0.1:3/odata', destinations: ['main'], resources: [{ name: 'Property' }] },
      },
    });
    expect(sourceFingerprint(b, 'demo')).toBe(sourceFingerprint(a, 'demo'));
    expect(configFingerprint(b)).not.toBe(configFingerprint(a));
  });
});

describe('task queue pollers', () => {
  const now = 1_000_000_000;
  const probe: LivenessProbe = { runningHere: new Set(), pid: 100, host: 'here', processExists: (pid) => pid === 200 };
  const poller = (identity: string, agoMs = 5_000) => ({ identity, lastAccessMs: now - agoMs });

  it('reads the fingerprint, pid and host back from a worker identity', () => {
    expect(parseIdentity('resync 0.3.0 4242@box.local config=3f9a0c12be47')).toEqual({
      fingerprint: '3f9a0c12be47',
      pid: 4242,
      host: 'box.local',
    });
    expect(parseIdentity('4242@box')).toEqual({ pid: 4242, host: 'box' });
  });

  it('conflict with a running worker of another config, not with one of the same config', () => {
    expect(judgePollers([poller('resync 1 7@there config=aaaaaaaaaaaa')], 'aaaaaaaaaaaa', now, probe).conflict).toBeUndefined();
    const verdict = judgePollers([poller('resync 1 7@there config=bbbbbbbbbbbb')], 'aaaaaaaaaaaa', now, probe);
    expect(verdict.conflict?.fingerprint).toBe('bbbbbbbbbbbb');
  });

  it('ignore pollers that stopped: old last poll, a dead process of this host, a worker this process shut down', () => {
    const pollers = [
      poller('resync 1 7@there config=bbbbbbbbbbbb', RECENT_POLL_MS + 1000),
      poller('resync 1 300@here config=bbbbbbbbbbbb'),
      poller('resync 1 100@here config=bbbbbbbbbbbb'),
    ];
    expect(judgePollers(pollers, 'aaaaaaaaaaaa', now, probe).conflict).toBeUndefined();
    expect(judgePollers([poller('resync 1 200@here config=bbbbbbbbbbbb')], 'aaaaaaaaaaaa', now, probe).conflict).toBeDefined();
    const running = { ...probe, runningHere: new Set(['bbbbbbbbbbbb']) };
    expect(judgePollers([poller('resync 1 100@here config=bbbbbbbbbbbb')], 'aaaaaaaaaaaa', now, running).conflict).toBeDefined();
  });

  it('only warn about pollers that name no config', () => {
    const verdict = judgePollers([poller('55@elsewhere')], 'aaaaaaaaaaaa', now, probe);
    expect(verdict.conflict).toBeUndefined();
    expect(verdict.unknown.map((p) => p.identity)).toEqual(['55@elsewhere']);
  });
});
