/**
 * The dashboard in Chromium with a deployment's worth of history: 20 sources × 500 runs seeded in
 * the control DB, schedules applied in Temporal (no worker needed: nothing runs). Every page must
 * render it, page through it and chart it.
 */
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { parseConfig, withDatabase, type Config } from '../../config';
import type { ChartResponse } from '../../dashboard/server/api-types';
import { startDashboard, type RunningDashboard } from '../../dashboard/server/start';
import { findFreePort } from '../../scripts/lib/net';
import { fromRoot } from '../../scripts/lib/paths';
import { ensureDashboardBuild } from '../../scripts/lib/setup-steps';
import { applySchedules, plannedSchedules } from '../../worker/schedules';
import { dropDatabase, launchChromium, screenshot, seedHistory } from '../support/dashboard';
import { temporalClient, uniqueName } from '../support/stack';

const SOURCES = Array.from({ length: 20 }, (_, i) => `mls${String(i + 1).padStart(2, '0')}`);

describe('dashboard in a browser, at scale', () => {
  let config: Config;
  let client: Client;
  let dashboard: RunningDashboard;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    expect((await ensureDashboardBuild()).ok).toBe(true);
    const server = inject('mysqlServerUrl');
    const closed = await findFreePort();
    // Every schedule fires only in the hour twelve hours from now: never during the test, and
    // all inside a 24-hour timeline. mls01's purge starts a minute after its sync: an overlap that
    // matters (one MLS's limits); the other sources' syncs coincide harmlessly.
    const hour = (new Date().getUTCHours() + 12) % 24;
    config = parseConfig({
      sources: Object.fromEntries(
        SOURCES.map((name, i) => [
          name,
          {
            url: `http://127.0.0.1:${closed}/odata`,
            resources: ['Property', 'Member', 'Office', 'OpenHouse'].map((r) => ({ name: r })),
            requestTimeoutMs: 2000,
            ...(i < 6 ? { schedules: { sync: `${i * 5}/30 ${hour} * * *`, ...(i === 0 ? { purge: `1 ${hour} * * *` } : {}) } } : {}),
          },
        ]),
      ),
      destinations: { main: { type: 'mysql', url: withDatabase(server, uniqueName('t_scale_main')) } },
      control: { url: withDatabase(server, uniqueName('t_scale_control')) },
      temporal: { address: inject('temporalAddress'), taskQueue: uniqueName('tq_scale') },
      logging: { level: 'warn', dir: fromRoot('logs', 'test') },
    });
    await seedHistory(config.control.url, { sources: SOURCES, runsPerSource: 500, destinations: ['main'] });
    client = await temporalClient(config);
    await applySchedules(client, config);
    dashboard = await startDashboard({ config, port: 0, logger: pino({ level: 'silent' }) });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    if (client) {
      for (const p of plannedSchedules(config))
        await client.schedule
          .getHandle(p.scheduleId)
          .delete()
          .catch(() => undefined);
      await client.connection.close();
    }
    if (config) await dropDatabase(config.control.url).catch(() => undefined);
  });

  it('shows 20 source cards with their last runs', async () => {
    await page.goto(dashboard.url);
    await page.locator('[data-testid=card-mls20]').waitFor();
    expect(await page.locator('.card').count()).toBe(20);
    // The newest seeded OpenHouse sync failed, so every source's sync reads as failed.
    expect(await page.locator('[data-testid=card-mls01] [data-testid=process-sync]').textContent()).toContain('failed');
    expect(await page.locator('[data-testid=card-mls01] [data-testid=process-purge]').textContent()).toContain('succeeded');
    await screenshot(page, '11-scale-overview');
  });

  it('pages through 500 runs of a source and charts the newest 200', async () => {
    await page.goto(`${dashboard.url}/sources/mls03`);
    const pager = page.locator('[data-testid=pager]');
    await pager.filter({ hasText: 'page 1 of 20 (500 runs)' }).waitFor();
    expect(await page.locator('[data-testid=run-row]').count()).toBe(25);
    expect(await page.locator('[data-testid=run-row]').first().getAttribute('data-run-id')).toBe('seed-mls03-00000');
    await page.click('[data-testid=pager-next]');
    await pager.filter({ hasText: 'page 2 of 20' }).waitFor();
    await page.locator('[data-run-id=seed-mls03-00025]').waitFor();
    expect(page.url()).toContain('page=2');
    // Errors are shown, with the credentials the seeded error quoted masked.
    await page.selectOption('select[aria-label="history outcome"]', 'failed');
    await pager.filter({ hasText: '(25 runs)' }).waitFor();
    const error = await page.locator('[data-testid=run-error]').first().textContent();
    expect(error).toContain('https://***@mls.example.com');
    expect(error).not.toContain('hunter2');
    // Records are drawn for syncs only: a purge's or reconcile's downloads are keys.
    const chart = (await (await fetch(`${dashboard.url}/api/sources/mls03/chart?limit=200`)).json()) as ChartResponse;
    const syncs = chart.points.filter((p) => p.process === 'sync').length;
    expect(syncs).toBeLessThan(200);
    expect(await page.locator('[data-testid=chart-records] rect.bar').count()).toBe(syncs);
    expect(await page.locator('[data-testid=chart-duration] circle.dot').count()).toBe(200);
    await screenshot(page, '12-scale-source');
  });

  it('draws the schedules of the coming day with their overlaps', async () => {
    await page.goto(`${dashboard.url}/schedules`);
    await page.locator('[data-testid=timeline]').waitFor();
    expect(await page.locator('[data-testid=all-schedules] tbody tr').count()).toBe(7);
    await page.locator('[data-testid=timeline-bar]').first().waitFor();
    // Six syncs twice each in that hour, and one purge.
    expect(await page.locator('[data-testid=timeline-bar]').count()).toBe(13);
    await page.locator('[data-testid=overlaps]').waitFor();
    // Only mls01's own purge and sync are listed, with why they matter; other sources' runs are not.
    const overlaps = await page.locator('[data-testid=overlaps] li').allTextContents();
    expect(overlaps.length).toBeGreaterThan(0);
    for (const text of overlaps) expect(text).toMatch(/^resync:mls01:\w+ and resync:mls01:\w+ · .* share its rate limits$/);
    await screenshot(page, '13-scale-schedules');
  });

  it('says when nothing is running', async () => {
    await page.goto(`${dashboard.url}/running`);
    await page.locator('[data-testid=nothing-running]').waitFor();
    await screenshot(page, '14-running-empty');
  });
});
