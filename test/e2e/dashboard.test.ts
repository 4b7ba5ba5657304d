/**
 * The dashboard end to end, in Debian's Chromium (headless, through playwright-core): a simulator
 * as the MLS, an in-process worker, the dashboard server, and a browser clicking through every
 * page. Covers the run-now flow (progress bar moves, the run lands in history), a forced failure
 * (a source on a closed port: its error on the Source page, its Temporal link), record lookup,
 * schedules, and the time switch. Screenshots go to test-artifacts/screenshots/.
 */
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { parseConfig, type Config } from '../../config';
import { startDashboard, type RunningDashboard } from '../../dashboard/server/start';
import { ensureDashboardBuild } from '../../scripts/lib/setup-steps';
import { findFreePort } from '../../scripts/lib/net';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import type { RunningWorker } from '../../worker/worker';
import { applySchedules } from '../../worker/schedules';
import { scheduleId } from '../../workflows/names';
import { launchChromium, screenshot } from '../support/dashboard';
import { dropDatabases, query, temporalClient, testConfigInput, uniqueName, withWorker } from '../support/stack';

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

describe('dashboard in a browser', () => {
  let sim: SimulatorHandle;
  let config: Config;
  let client: Client;
  let dashboard: RunningDashboard;
  let browser: Browser;
  let page: Page;
  let stopWorker: () => void = () => undefined;
  let workerDone: Promise<void> = Promise.resolve();
  const problems: string[] = [];

  beforeAll(async () => {
    const status = await ensureDashboardBuild();
    expect(status.ok, status.summary).toBe(true);
    // Slow enough (latency per page, small pages) that the progress bar visibly moves.
    sim = await startSimulator({ records: 3000, seed: 11, port: 0, latencyMs: 250 });
    const closed = await findFreePort();
    const input = testConfigInput({
      simulatorUrl: sim.url,
      source: 'demo',
      pageSize: 100,
      destinations: [uniqueName('t_e2e_demo'), uniqueName('t_e2e_broken')],
    });
    const demo = input.sources.demo!;
    config = parseConfig({
      ...input,
      sources: {
        // A schedule that will not fire during the test: Run now triggers it.
        demo: { ...demo, destinations: ['d0'], schedules: { sync: '0 0 1 1 *' } },
        broken: {
          platform: 'generic',
          url: `http://127.0.0.1:${closed}/odata`,
          resources: [{ name: 'Property' }],
          destinations: ['d1'],
          requestTimeoutMs: 2000,
        },
      },
    });
    client = await temporalClient(config);
    await applySchedules(client, config);
    const ready = new Promise<RunningWorker>((resolve) => {
      workerDone = withWorker(config, (w) => {
        resolve(w);
        return new Promise<void>((release) => (stopWorker = release));
      });
    });
    await ready;
    dashboard = await startDashboard({ config, port: 0, logger: pino({ level: 'silent' }), countsFreshMs: 2000 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // Script errors and failed requests on any page fail the last test.
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    stopWorker();
    await workerDone;
    await client?.schedule
      .getHandle(scheduleId('demo', 'sync'))
      .delete()
      .catch(() => undefined);
    await client?.connection.close();
    await sim?.close();
    if (config) await dropDatabases(config);
  });

  const open = async (path: string) => {
    await page.goto(`${dashboard.url}${path}`);
  };

  it('shows a card per source on the overview', async () => {
    await open('/');
    await page.locator('[data-testid=card-demo]').waitFor();
    await page.locator('[data-testid=card-broken]').waitFor();
    expect(await page.locator('.card').count()).toBe(2);
    expect(await page.locator('[data-testid=card-demo] [data-testid=process-sync]').textContent()).toContain('never run');
    await screenshot(page, '01-overview-empty');
  });

  it('runs a sync from the Source page: the progress bar moves, the run lands in history', async () => {
    await open('/sources/demo');
    await page.locator('[data-testid=schedule-sync] [data-testid=schedule-state]').filter({ hasText: 'active' }).waitFor();
    await page.click('[data-testid=run-sync]');
    const message = page.locator('[data-testid=control-message]');
    await message.waitFor();
    expect(await message.textContent()).toMatch(/started run\/demo\/sync-.* through schedule resync:demo:sync/);

    // The resource's progress bar on the Source page, read as the page re-renders it.
    const bar = page.locator('[data-testid=source-running] [data-workflow-id="sync/demo/Property"] [data-testid=progress]');
    const value = async () => Number((await bar.getAttribute('aria-valuenow', { timeout: 1000 })) ?? NaN);
    const first = await eventually('a first progress value', async () => {
      const v = await value();
      return v >= 0 && v < 100 ? { v } : undefined;
    });
    const later = await eventually('the progress bar to move', async () => {
      const v = await value();
      return v > first.v ? { v } : undefined;
    });
    expect(later.v).toBeGreaterThan(first.v);
    await screenshot(page, '02-source-running');

    // Meanwhile the Running page shows the same run with its numbers and ETA.
    const running = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    try {
      await running.goto(`${dashboard.url}/running`);
      const item = running.locator('[data-workflow-id="sync/demo/Property"]');
      await item.waitFor();
      await eventually('records / total on the Running page', async () =>
        /\d[\d,]* \/ 3,000 records/.test((await item.textContent()) ?? ''),
      );
      await screenshot(running, '03-running');
    } finally {
      await running.close();
    }

    const row = page.locator('[data-testid=run-row]').filter({ hasText: 'Property' }).first();
    await eventually(
      'the run to land in history as succeeded',
      async () => /succeeded/.test((await row.textContent({ timeout: 1000 })) ?? ''),
      90_000,
    );
    expect(await row.textContent()).toContain('3,000');
    const runId = await row.getAttribute('data-run-id');
    const link = await row.locator('[data-testid=temporal-link]').getAttribute('href');
    expect(link).toBe(`${config.temporal.uiUrl}/namespaces/default/workflows/${encodeURIComponent('sync/demo/Property')}/${runId}/history`);

    // Counted again now: the destination holds what the MLS has.
    await page.click('[data-testid=recount]');
    await eventually('the match mark', async () =>
      /in step/.test((await page.locator('h2 [data-testid=match]').textContent({ timeout: 1000 })) ?? ''),
    );
    expect(await page.locator('[data-testid=count-Property-d0]').textContent()).toContain('3,000');

    // Per-destination detail of the run.
    await row.click();
    await page.locator('[data-testid=run-detail]').waitFor();
    expect(await page.locator('[data-testid=run-detail]').textContent()).toContain('d0');
    await screenshot(page, '04-source-after-run');
  });

  it('shows a failing source: retries with the last error while it runs, then the error and the right Temporal link', async () => {
    await open('/sources/broken');
    // No schedule for this source: Run now starts its runSource directly.
    await page.click('[data-testid=run-sync]');
    expect(await page.locator('[data-testid=control-message]').textContent()).toContain('started run/broken/sync-manual');

    const retry = page.locator('[data-testid=source-running] [data-testid=retry]');
    await eventually('a retry with its last error', async () =>
      /attempt \d+.*ECONNREFUSED/.test((await retry.first().textContent({ timeout: 1000 })) ?? ''),
    );
    await screenshot(page, '05-broken-retrying');

    const row = page.locator('[data-testid=run-row]').first();
    await eventually('the failed run in history', async () => /failed/.test((await row.textContent({ timeout: 1000 })) ?? ''), 90_000);
    const error = await page.locator('[data-testid=run-error]').first().textContent();
    expect(error).toMatch(/ECONNREFUSED/);
    expect(error).toMatch(new RegExp(`127\\.0\\.0\\.1:\\d+/odata`));
    const runId = (await row.getAttribute('data-run-id'))!;
    const href = (await row.locator('[data-testid=temporal-link]').getAttribute('href'))!;
    expect(href).toBe(
      `${config.temporal.uiUrl}/namespaces/default/workflows/${encodeURIComponent('sync/broken/Property')}/${runId}/history`,
    );
    // And that is the workflow that failed.
    const described = await client.workflow.getHandle('sync/broken/Property', runId).describe();
    expect(described.status.name).toBe('FAILED');
    await screenshot(page, '06-broken-failed');

    await open('/');
    await page.locator('[data-testid=card-broken] [data-testid=process-sync]').filter({ hasText: 'failed' }).waitFor();
    await page.locator('[data-testid=card-demo] [data-testid=process-sync]').filter({ hasText: 'succeeded' }).waitFor();
    await page.locator('[data-testid=card-demo] [data-testid=match]').filter({ hasText: 'in step' }).waitFor({ timeout: 20_000 });
    await screenshot(page, '07-overview');
  });

  it('looks a record up in the MLS and the destination, and shows a field that differs', async () => {
    const key = sim.dataset.liveKeys()[5]!;
    await open(`/record?source=demo&resource=Property&key=${encodeURIComponent(key)}`);
    const summary = page.locator('[data-testid=diff-summary]');
    await summary.waitFor({ timeout: 20_000 });
    expect(await summary.textContent()).toContain('No differences');
    expect(await page.locator('[data-testid=presence-d0]').textContent()).toContain('identical');

    await query(config.destinations.d0!.url, 'UPDATE Property SET ListPrice = ListPrice + 1000 WHERE ListingKey = ?', [key]);
    await page.reload();
    await page.locator('[data-testid=diff-ListPrice]').waitFor({ timeout: 20_000 });
    expect(await summary.textContent()).toContain('1 field differs.');
    expect(await page.locator('[data-testid=presence-d0]').textContent()).toMatch(/differs — 1 field differs, \d+ equal/);
    expect(await page.locator('[data-testid=diff-ListPrice] .bad-cell').count()).toBe(1);
    await screenshot(page, '08-record-diff');

    // The form works as well as the URL does.
    await page.fill('[data-testid=lookup-key]', 'NO-SUCH-KEY');
    await page.click('[data-testid=lookup-submit]');
    await page.locator('[data-testid=presence-mls]').filter({ hasText: 'no such record' }).waitFor();
  });

  it('lists schedules with a timeline, and pauses and resumes one from the Source page', async () => {
    await open('/schedules');
    const row = page.locator(`[data-testid="row-${scheduleId('demo', 'sync')}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('0 0 1 1 *');
    await page.locator('[data-testid=timeline]').waitFor();
    await page.selectOption('[data-testid=timeline-hours]', '168');
    await screenshot(page, '09-schedules');

    await open('/sources/demo');
    const state = page.locator('[data-testid=schedule-sync] [data-testid=schedule-state]');
    const nextRuns = page.locator('[data-testid=schedule-sync] [data-testid=next-runs]');
    await page.click('[data-testid=pause-sync]');
    await state.filter({ hasText: 'paused' }).waitFor();
    // A paused schedule fires at none of the times Temporal still lists for it.
    await nextRuns.filter({ hasText: 'none (paused)' }).waitFor();
    expect(await nextRuns.locator('time').count()).toBe(0);
    await page.click('[data-testid=resume-sync]');
    await state.filter({ hasText: 'active' }).waitFor();
    await nextRuns.locator('time').first().waitFor();
  });

  it('switches every time between relative and absolute', async () => {
    await open('/sources/demo');
    const time = page.locator('[data-testid=run-row] time').first();
    await time.waitFor();
    expect(await time.textContent()).toMatch(/ago|just now/);
    await page.click('[data-testid=time-mode]');
    expect(await time.textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    // Remembered across pages and reloads.
    await page.reload();
    await page.locator('[data-testid=run-row] time').first().waitFor();
    expect(await page.locator('[data-testid=run-row] time').first().textContent()).toMatch(/^\d{4}-/);
    await screenshot(page, '10-source-absolute-times');
    await page.click('[data-testid=time-mode]');
  });

  it('raised no script error and no failed request on any page', () => {
    expect(problems).toEqual([]);
  });
});
