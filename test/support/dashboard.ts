/**
 * Helpers for the dashboard's tests: run history seeded in bulk (many sources, many runs), and
 * Debian's Chromium driven through playwright-core, with screenshots kept under
 * test-artifacts/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { chromium, type Browser, type Page } from 'playwright-core';
import { StatsStore } from '../../activities/stats/store';
import { findChromium } from '../../scripts/lib/chromium';
import { fromRoot } from '../../scripts/lib/paths';

export const SCREENSHOTS = fromRoot('test-artifacts', 'screenshots');

export interface SeedOptions {
  sources: string[];
  runsPerSource: number;
  resources?: string[];
  destinations?: string[];
  /** The newest run starts this long before now; runs are 15 minutes apart going back. */
  newestAgoMs?: number;
}

export interface SeededRun {
  runId: string;
  source: string;
  resource: string;
  process: string;
  outcome: string;
  startedAt: string;
}

const sqlTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '').slice(0, 23);

/**
 * Writes `runsPerSource` runs per source (most syncs, some purges and reconciles, one in twenty
 * failed with an error that quotes a URL with credentials), two destinations per run, and a
 * runSource row for every fourth run. Deterministic: the same options give the same rows.
 * Run i of a source is resource i mod 4 (Property, Member, Office, OpenHouse) and, by i mod 10,
 * a purge (5), a reconcile (7) or else a sync.
 */
export async function seedHistory(controlUrl: string, opts: SeedOptions): Promise<SeededRun[]> {
  const store = await StatsStore.open(controlUrl);
  await store.migrate();
  const resources = opts.resources ?? ['Property', 'Member', 'Office', 'OpenHouse'];
  const destinations = opts.destinations ?? ['main', 'replica'];
  // Far enough back that even the longest seeded run has finished.
  const newest = Date.now() - (opts.newestAgoMs ?? 10 * 60_000);
  const runs: unknown[][] = [];
  const dests: unknown[][] = [];
  const sourceRuns: unknown[][] = [];
  const seeded: SeededRun[] = [];
  for (const [s, source] of opts.sources.entries()) {
    for (let i = 0; i < opts.runsPerSource; i++) {
      const started = newest - i * 15 * 60_000 - s * 1000;
      const duration = 20_000 + ((i * 7919 + s * 104729) % 90_000);
      const resource = resources[i % resources.length]!;
      const process = i % 10 === 5 ? 'purge' : i % 10 === 7 ? 'reconcile' : 'sync';
      // One run in twenty fails; every fourth source's newest OpenHouse sync too, so some cards are red.
      const failed = i % 20 === 13 || (s % 4 === 0 && i === 3);
      const runId = `seed-${source}-${String(i).padStart(5, '0')}`;
      const parent = `seedparent-${source}-${Math.floor(i / 4)}`;
      const downloaded = failed ? 0 : 100 + ((i * 31 + s) % 900);
      runs.push([
        runId,
        parent,
        `${process}/${source}/${resource}`,
        source,
        resource,
        process,
        failed ? 'failed' : 'succeeded',
        failed
          ? `SourceUnavailable: request to https://feeduser:hunter2@mls.example.com/odata/${resource}?access_token=SEEDSECRET failed: ETIMEDOUT`
          : null,
        sqlTime(started),
        sqlTime(started + duration),
        Math.ceil(downloaded / 100),
        downloaded,
        downloaded,
        process === 'purge' ? i % 5 : 0,
        i % 50 === 1 ? 2 : 0,
        downloaded,
        new Date(started - 5000).toISOString(),
      ]);
      for (const [d, dest] of destinations.entries()) {
        dests.push([runId, dest, downloaded, 0, i % 50 === 1 ? 2 : 0, 10_000 + s * 10 - d, new Date(started - 5000).toISOString()]);
      }
      if (i % 4 === 0) {
        sourceRuns.push([
          parent,
          `run/${source}/${process}-${new Date(started).toISOString()}`,
          source,
          process,
          failed ? 'failed' : 'succeeded',
          sqlTime(started),
          sqlTime(started + duration * 2),
          JSON.stringify([{ resource, workflowId: `${process}/${source}/${resource}`, outcome: failed ? 'failed' : 'succeeded' }]),
        ]);
      }
      seeded.push({
        runId,
        source,
        resource,
        process,
        outcome: failed ? 'failed' : 'succeeded',
        startedAt: new Date(started).toISOString(),
      });
    }
  }
  const insert = async (sql: string, rows: unknown[][]) => {
    for (let i = 0; i < rows.length; i += 2000) await store.pool.query(sql, [rows.slice(i, i + 2000)]);
  };
  try {
    await insert(
      `INSERT INTO resync_runs (run_id, parent_run_id, workflow_id, source, resource, process, outcome, error, started_at, finished_at,
         pages, downloaded, upserted, deleted, rejected, expected_total, high_water_mark) VALUES ?`,
      runs,
    );
    await insert(
      'INSERT INTO resync_run_destinations (run_id, destination, upserted, deleted, rejected, rows_after, high_water_mark) VALUES ?',
      dests,
    );
    await insert(
      'INSERT INTO resync_source_runs (run_id, workflow_id, source, process, outcome, started_at, finished_at, outcomes) VALUES ?',
      sourceRuns,
    );
    const rejectsRun = seeded.find((r) => r.runId.endsWith('-00001'));
    if (rejectsRun) {
      await store.pool.query(
        `INSERT INTO resync_rejects (run_id, destination, record_key, source, resource, field, reason, record, created_at) VALUES ?`,
        [
          [
            [
              rejectsRun.runId,
              'main',
              'K-1',
              rejectsRun.source,
              rejectsRun.resource,
              'ListPrice',
              'expected a number, got "call"',
              '{}',
              sqlTime(Date.now()),
            ],
            [
              rejectsRun.runId,
              'main',
              'K-2',
              rejectsRun.source,
              rejectsRun.resource,
              'CloseDate',
              'expected a date (YYYY-MM-DD), got "TBD"',
              '{}',
              sqlTime(Date.now()),
            ],
          ],
        ],
      );
    }
  } finally {
    await store.close();
  }
  return seeded;
}

/** Debian's Chromium, headless, with nothing that phones home. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await findChromium();
  if (!executablePath)
    throw new Error("Chromium not found: run `npm run setup` (installs Debian's chromium as root) or set $RESYNC_CHROMIUM");
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Drops databases by URL (control DBs of API tests that never had destinations). */
export async function dropDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const db = u.pathname.slice(1);
  const conn = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username) || 'root',
    password: decodeURIComponent(u.password),
  });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${db.replace(/`/g, '``')}\``);
  } finally {
    await conn.end();
  }
}
