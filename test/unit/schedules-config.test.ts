/** Schedules and alerts in the config: defaults, and bad values named with their key. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config';
import { cronProblem } from '../../config/cron';

const base = {
  sources: { demo: { url: 'http://127.0.0.1:1/odata', resources: [{ name: 'Property' }] } },
  destinations: { main: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/mls' } },
  control: { url: 'mysql://root@127.0.0.1:3306/resync' },
};

function withSchedules(schedules: object, extra: object = {}) {
  return { ...base, ...extra, sources: { demo: { ...base.sources.demo, schedules } } };
}

function problems(value: unknown): string[] {
  try {
    parseConfig(value);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('schedules config', () => {
  it('applies the defaults: UTC, a 10-minute catch-up window, pause after 3 failures', () => {
    const c = parseConfig(withSchedules({ sync: '*/15 * * * *' }));
    expect(c.sources.demo!.schedules).toEqual({ sync: '*/15 * * * *', timeZone: 'UTC', catchupWindow: '10m', pauseAfterFailures: 3 });
  });

  it.each([
    ['too few fields', '*/15 * * *', 'got 4 fields'],
    ['an hour out of range', '0 25 * * *', 'field 2 (hour) "25" is not a number 0-23'],
    ['an unknown month name', '0 3 1 FOO *', 'field 4 (month) "FOO"'],
    ['a zero step', '*/0 * * * *', 'needs a positive step'],
    ['a backwards range', '0 9-5 * * *', 'runs backwards'],
  ])('refuses a cron with %s, naming the key', (_what, cron, message) => {
    const found = problems(withSchedules({ purge: cron }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^sources\.demo\.schedules\.purge: must be a cron expression with 5 fields/);
    expect(found[0]).toContain(message);
  });

  it('accepts names, lists, ranges and steps', () => {
    for (const ok of ['30 3 * * SUN', '0 */6 * * MON-FRI', '0,30 8-18/2 1,15 JAN-JUN ?', '5 4 * * 0'])
      expect(cronProblem(ok), ok).toBeUndefined();
  });

  it('names a bad time zone, catch-up window and failure count', () => {
    expect(problems(withSchedules({ sync: '0 * * * *', timeZone: 'Mars/Olympus', catchupWindow: '5s', pauseAfterFailures: 0 }))).toEqual([
      expect.stringMatching(/^sources\.demo\.schedules\.timeZone: must be an IANA time zone/),
      expect.stringMatching(/^sources\.demo\.schedules\.catchupWindow: must be a duration of at least 10 seconds/),
      expect.stringMatching(/^sources\.demo\.schedules\.pauseAfterFailures: /),
    ]);
  });

  it('names an unknown schedules key', () => {
    expect(problems(withSchedules({ synk: '0 * * * *' }))).toEqual(['sources.demo.schedules.synk: unknown key']);
  });
});

describe('alerts config', () => {
  it('defaults a webhook to the json format', () => {
    const c = parseConfig({ ...base, alerts: { webhooks: [{ url: 'https://hooks.example.com/x' }] } });
    expect(c.alerts?.webhooks).toEqual([{ url: 'https://hooks.example.com/x', format: 'json' }]);
  });

  it('names bad webhook and e-mail settings', () => {
    const bad = {
      ...base,
      alerts: { webhooks: [{ url: 'ftp://x', format: 'teams' }], email: { smtpUrl: 'http://mail', from: 'nobody', to: [] } },
    };
    expect(problems(bad)).toEqual([
      'alerts.webhooks.0.url: must be an http(s) URL',
      expect.stringMatching(/^alerts\.webhooks\.0\.format: /),
      'alerts.email.smtpUrl: must be an smtp:// or smtps:// URL',
      'alerts.email.from: must be an e-mail address, e.g. resync@example.com',
      'alerts.email.to: needs at least one recipient',
    ]);
  });
});
