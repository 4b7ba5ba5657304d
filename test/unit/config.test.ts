import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../config';
import { needsModuleHooks } from '../../config/load';
import { cronProblem } from '../../config/cron';
import { defaultTaskQueue } from '../../config/task-queue';
import { startSimulator, type SimulatorHandle } from '../../simulator/server';
import { checkConfigFile } from '../../worker/commands/config-check';

const valid = {
  sources: { demo: { url: 'http://127.0.0.1:1/odata', resources: [{ name: 'Property' }] } },
  destinations: { main: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/mls' } },
  control: { url: 'mysql://root@127.0.0.1:3306/resync' },
};

function problems(value: unknown): string[] {
  try {
    parseConfig(value);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config validation', () => {
  it('applies defaults to a minimal config', () => {
    const c = parseConfig(valid);
    expect(c.sources.demo!.platform).toBe('generic');
    expect(c.sources.demo!.resources[0]!.cursorField).toBe('ModificationTimestamp');
    expect(c.temporal.taskQueue).toBe('resync-demo');
  });

  it('names an unknown key with its path', () => {
    expect(problems({ ...valid, sources: { demo: { ...valid.sources.demo, pageSzie: 10 } } })).toEqual([
      'sources.demo.pageSzie: unknown key',
    ]);
  });

  it('names a wrong type with its path', () => {
    const bad = { ...valid, sources: { demo: { ...valid.sources.demo, requestTimeoutMs: 'soon' } } };
    expect(problems(bad)).toEqual([expect.stringMatching(/^sources\.demo\.requestTimeoutMs: /)]);
  });

  it('names a missing URL', () => {
    const { url: _url, ...rest } = valid.sources.demo;
    expect(problems({ ...valid, sources: { demo: rest } })).toEqual([expect.stringMatching(/^sources\.demo\.url: /)]);
    expect(problems({ ...valid, control: {} })).toEqual([expect.stringMatching(/^control\.url: is required/)]);
  });

  it('reports every problem, not just the first', () => {
    const bad = {
      ...valid,
      sources: { demo: { url: 'ftp://x', resources: [] } },
      destinations: { main: { type: 'mysql', url: 'mysql://host-without-db' } },
    };
    const list = problems(bad);
    expect(list).toHaveLength(3);
    expect(list.join('\n')).toMatch(/sources\.demo\.url/);
    expect(list.join('\n')).toMatch(/sources\.demo\.resources: needs at least one resource/);
    expect(list.join('\n')).toMatch(/destinations\.main\.url/);
  });

  it('refuses a source that names an undefined destination', () => {
    const bad = { ...valid, sources: { demo: { ...valid.sources.demo, destinations: ['nope'] } } };
    expect(problems(bad)).toEqual(['sources.demo.destinations.0: names destination "nope", which is not defined in destinations']);
  });

  it('loads a config file and reports a missing default export', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resync-config-'));
    const good = join(dir, 'good.config.mjs');
    writeFileSync(good, `export default ${JSON.stringify(valid)};`);
    expect((await loadConfig(good)).config.sources.demo!.url).toBe('http://127.0.0.1:1/odata');
    const none = join(dir, 'none.config.mjs');
    writeFileSync(none, 'export const x = 1;');
    await expect(loadConfig(none)).rejects.toThrow(/no default export/);
    await expect(loadConfig(join(dir, 'missing.ts'))).rejects.toThrow(/file not found/);
  });
});

describe('module hooks for a config file', () => {
  it('leaves them out for an ES module that imports nothing but Node', () => {
    expect(needsModuleHooks('/etc/resync/c.mjs', `export default ${JSON.stringify(valid)};`)).toBe(false);
    expect(needsModuleHooks('/c.mjs', "import { env } from 'node:process';\nexport default { url: env.X };")).toBe(false);
    expect(needsModuleHooks('/c.mjs', "import 'node:fs';export default {};")).toBe(false);
  });

  it('installs them for anything else, or anything unsure', () => {
    const importsPackage = "import { defineConfig } from '@resync-mls/resync';\nexport default defineConfig({});";
    expect(needsModuleHooks('/c.mjs', importsPackage)).toBe(true);
    expect(needsModuleHooks('/c.mjs', 'import{defineConfig}from"@resync-mls/resync";export default {}')).toBe(true);
    expect(needsModuleHooks('/c.mjs', "import { control } from './shared.mjs';\nexport default { control };")).toBe(true);
    expect(needsModuleHooks('/c.mjs', "export { default } from './other.mjs';")).toBe(true);
    expect(needsModuleHooks('/c.mjs', 'const m = await import(name);\nexport default m.default;')).toBe(true);
    // Whether a .js file is an ES module depends on the package.json above it; a .ts file needs tsx.
    expect(needsModuleHooks('/c.js', 'export default {};')).toBe(true);
    expect(needsModuleHooks('/c.ts', 'export default {};')).toBe(true);
    // Unreadable: the import reports it, with the hooks in place as before.
    expect(needsModuleHooks('/c.mjs', undefined)).toBe(true);
  });
});

describe('config validation: every problem in one pass', () => {
  const two = {
    ...valid,
    destinations: { ...valid.destinations, backup: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/backup' } },
  };

  it('reports problems across keys together with the others, not after them', () => {
    const bad = {
      ...two,
      sources: {
        demo: {
          url: 'ftp://x',
          destinations: ['main', 'nope'],
          resources: [{ name: 'Property' }, { name: 'Property' }],
          schedules: { sync: '*/61 * * * *' },
        },
        other: { url: 'http://127.0.0.1:1/odata', resources: [{ name: 'Member' }] },
      },
    };
    const list = problems(bad);
    expect(list).toHaveLength(5);
    expect(list).toEqual(
      expect.arrayContaining([
        'sources.demo.url: must be an http(s) URL',
        expect.stringMatching(/^sources\.demo\.schedules\.sync: .*"\*\/61" has a step over 59/),
        'sources.demo.destinations.1: names destination "nope", which is not defined in destinations',
        'sources.demo.resources.1.name: resource "Property" is listed twice',
        'sources.other.destinations: is required when there is more than one destination: list the ones this source writes to (main, backup)',
      ]),
    );
  });

  it('requires each source to name its destinations once there is more than one', () => {
    expect(problems(two)).toEqual([
      'sources.demo.destinations: is required when there is more than one destination: list the ones this source writes to (main, backup)',
    ]);
    expect(problems({ ...two, sources: { demo: { ...valid.sources.demo, destinations: ['main'] } } })).toEqual([]);
    // With a single destination there is nothing to choose: it is the default.
    expect(problems(valid)).toEqual([]);
  });

  it('refuses cron steps beyond the field, and values out of range', () => {
    expect(cronProblem('*/61 * * * *')).toMatch(/field 1 \(minute\) "\*\/61" has a step over 59/);
    expect(cronProblem('0 */24 * * *')).toMatch(/field 2 \(hour\)/);
    expect(cronProblem('0 0 */32 * *')).toMatch(/field 3 \(day of month\)/);
    expect(cronProblem('0 0 1 1-12/13 *')).toMatch(/field 4 \(month\)/);
    expect(cronProblem('0 0 * * */7')).toMatch(/field 5 \(day of week\)/);
    expect(cronProblem('60 * * * *')).toMatch(/field 1 \(minute\) "60" is not a number 0-59/);
    for (const fine of ['*/59 * * * *', '*/15 * * * *', '0 */12 * * *', '30 3 1-31/2 * *', '0 4 * * SUN', '0 0 1 */3 *']) {
      expect(cronProblem(fine), fine).toBeUndefined();
    }
  });
});

describe('task queue', () => {
  const withSources = (...names: string[]) => ({
    ...valid,
    sources: Object.fromEntries(names.map((n) => [n, valid.sources.demo])),
  });

  it('is derived from the source names, so configs with different sources never share one', () => {
    const a = parseConfig(withSources('demo')).temporal.taskQueue;
    const b = parseConfig(withSources('tre')).temporal.taskQueue;
    expect(a).toBe('resync-demo');
    expect(b).toBe('resync-tre');
    expect(parseConfig(withSources('tre', 'bridge')).temporal.taskQueue).toBe('resync-bridge+tre');
    expect(parseConfig(withSources('bridge', 'tre')).temporal.taskQueue).toBe('resync-bridge+tre');
  });

  it('stays short with many sources, and an explicit one wins', () => {
    const many = Array.from({ length: 30 }, (_, i) => `source_${i}`);
    const derived = defaultTaskQueue(many);
    expect(derived).toMatch(/^resync-[0-9a-f]{16}$/);
    expect(defaultTaskQueue([...many].reverse())).toBe(derived);
    expect(defaultTaskQueue(many.slice(1))).not.toBe(derived);
    expect(parseConfig({ ...valid, temporal: { taskQueue: 'pinned' } }).temporal.taskQueue).toBe('pinned');
  });
});

describe('config check against the MLS', () => {
  let sim: SimulatorHandle;
  const dir = mkdtempSync(join(tmpdir(), 'resync-check-'));

  beforeAll(async () => {
    sim = await startSimulator({ records: 10, seed: 3, port: 0 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  function writeConfig(value: unknown): string {
    const file = join(dir, `c${Math.random().toString(36).slice(2)}.mjs`);
    writeFileSync(file, `export default ${JSON.stringify(value)};`);
    return file;
  }

  it('lists schema problems, a bad $filter and an unknown cursorField in one run', async () => {
    const file = writeConfig({
      ...valid,
      destinations: { ...valid.destinations, backup: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/b' } },
      sources: {
        demo: {
          url: sim.url,
          destinations: ['main'],
          schedules: { sync: '*/61 * * * *' },
          resources: [
            { name: 'Property', filter: "StandardStatus eq 'Active' and", cursorField: 'Modified' },
            { name: 'Media', filter: "Colour eq 'Red'", select: ['MediaURL', 'Nope'] },
            { name: 'Listing' },
          ],
        },
        other: { url: sim.url, resources: [{ name: 'Property' }] },
      },
    });
    const report = await checkConfigFile(file);
    expect(report.problems).toEqual([
      expect.stringMatching(/^sources\.demo\.schedules\.sync: .*"\*\/61"/),
      expect.stringMatching(/^sources\.other\.destinations: is required when there is more than one destination/),
      expect.stringMatching(/^sources\.demo\.resources\.0\.filter: is not a valid OData \$filter: /),
      'sources.demo.resources.0.cursorField: "Modified" is not a field of Property in $metadata; it has ModificationTimestamp, PhotosChangeTimestamp',
      'sources.demo.resources.1.filter: "Colour" is not a field of Media in $metadata',
      'sources.demo.resources.1.select: "Nope" is not a field of Media in $metadata',
      'sources.demo.resources.2.name: "Listing" is not a resource in $metadata (it has: Property, Media)',
    ]);
    expect(report.notes).toEqual([]);
  });

  it('checks the $filter syntax, and says what it left unchecked, when the MLS is out of reach', async () => {
    const file = writeConfig({
      ...valid,
      sources: { demo: { ...valid.sources.demo, resources: [{ name: 'Property', filter: 'ListPrice gt', cursorField: 'Modified' }] } },
    });
    const report = await checkConfigFile(file);
    expect(report.problems).toEqual([expect.stringMatching(/^sources\.demo\.resources\.0\.filter: is not a valid OData \$filter: /)]);
    expect(report.notes).toEqual([expect.stringMatching(/^sources\.demo: \$metadata not checked \(/)]);
    expect((await checkConfigFile(file, { metadata: false })).notes).toEqual([]);
  });

  it('passes a good config, leaving functions it does not parse to the MLS', async () => {
    const file = writeConfig({
      ...valid,
      sources: { demo: { ...valid.sources.demo, url: sim.url, resources: [{ name: 'Property', filter: "contains(City, 'Salt')" }] } },
    });
    const report = await checkConfigFile(file);
    expect(report.problems).toEqual([]);
    expect(report.notes).toEqual([expect.stringMatching(/^sources\.demo\.resources\.0\.filter: not checked: function contains\(\)/)]);
    expect(report.config?.temporal.taskQueue).toBe('resync-demo');
  });
});

describe('shipped configs', () => {
  it('the example and the demo config are valid', async () => {
    const { fileURLToPath } = await import('node:url');
    for (const file of ['../../config/config.example.ts', '../../config/demo.config.ts']) {
      const { config } = await loadConfig(fileURLToPath(new URL(file, import.meta.url)));
      expect(Object.keys(config.sources)).toContain('demo');
    }
  });
});

describe('config validation: Solr destinations (#13)', () => {
  const withSolr = (solr: Record<string, unknown>) => ({
    ...valid,
    sources: { demo: { ...valid.sources.demo, destinations: ['main', 'search'] } },
    destinations: { ...valid.destinations, search: { type: 'solr', ...solr } },
  });

  it('accepts a Solr destination, applies its defaults, and the factory builds a SolrDestination for it', async () => {
    const c = parseConfig(withSolr({ url: 'http://127.0.0.1:8983/solr', corePrefix: 'mls_', commitWithinMs: 5000 }));
    expect(c.destinations.search).toMatchObject({
      type: 'solr',
      url: 'http://127.0.0.1:8983/solr',
      manageSchema: true,
      commitWithinMs: 5000,
    });
    const { createDestination } = await import('../../activities/destinations');
    const { SolrDestination } = await import('../../activities/destinations/solr');
    expect(createDestination('search', c.destinations.search!)).toBeInstanceOf(SolrDestination);
  });

  it('names each wrong Solr setting with its key', () => {
    expect(problems(withSolr({}))).toEqual(['destinations.search.url: is required (the Solr base URL, e.g. http://127.0.0.1:8983/solr)']);
    expect(problems(withSolr({ url: 'mysql://root@h/db' }))).toEqual([
      'destinations.search.url: must be the http(s) URL of the Solr base without a trailing slash, e.g. http://127.0.0.1:8983/solr',
    ]);
    const many = problems(withSolr({ url: 'http://h:8983/solr', corePrefix: 'a b', commitWithinMs: 0, makeTableName: () => 't' }));
    expect(many.sort()).toEqual([
      'destinations.search.commitWithinMs: must be positive',
      'destinations.search.corePrefix: must contain only letters, digits, ., _ and - (Solr core names)',
      'destinations.search.makeTableName: unknown key',
    ]);
  });

  it('names the destination types it knows when the type is wrong', () => {
    expect(problems(withSolr({ type: 'elastic', url: 'http://h:9200' }))).toEqual([
      "destinations.search.type: must be one of 'mysql', 'postgres', 'solr'",
    ]);
  });
});

describe('config validation: PostgreSQL destinations (#13)', () => {
  const withPg = (pg: Record<string, unknown>) => ({
    ...valid,
    sources: { demo: { ...valid.sources.demo, destinations: ['main', 'warehouse'] } },
    destinations: { ...valid.destinations, warehouse: { type: 'postgres', ...pg } },
  });

  it('accepts a PostgreSQL destination, applies its defaults, and the factory builds a PostgresDestination for it', async () => {
    const c = parseConfig(
      withPg({ url: 'postgres://resync:secret@127.0.0.1:5432/mls', schema: 'reso', preferTyped: { Property: ['ListPrice'] } }),
    );
    expect(c.destinations.warehouse).toMatchObject({
      type: 'postgres',
      url: 'postgres://resync:secret@127.0.0.1:5432/mls',
      schema: 'reso',
      manageSchema: true,
      preferTyped: { Property: ['ListPrice'] },
    });
    const { createDestination } = await import('../../activities/destinations');
    const { PostgresDestination } = await import('../../activities/destinations/postgres/destination');
    expect(createDestination('warehouse', c.destinations.warehouse!)).toBeInstanceOf(PostgresDestination);
    expect(parseConfig(withPg({ url: 'postgresql://h/mls' })).destinations.warehouse).toMatchObject({ type: 'postgres' });
  });

  it('names each wrong PostgreSQL setting with its key', () => {
    expect(problems(withPg({}))).toEqual(['destinations.warehouse.url: is required (a postgres:// URL)']);
    const urlProblem =
      'destinations.warehouse.url: must be a postgres:// URL that names a database, e.g. postgres://user:pass@127.0.0.1:5432/mls';
    expect(problems(withPg({ url: 'mysql://root@h/db' }))).toEqual([urlProblem]);
    expect(problems(withPg({ url: 'postgres://root@h' }))).toEqual([urlProblem]);
    const many = problems(withPg({ url: 'postgres://h/mls', schema: 'My Schema', corePrefix: 'x', preferTyped: { Property: [] } }));
    expect(many.sort()).toEqual([
      'destinations.warehouse.corePrefix: unknown key',
      'destinations.warehouse.preferTyped.Property: must list at least one field',
      'destinations.warehouse.schema: must be a lower-case PostgreSQL identifier (letters, digits, _; at most 63), e.g. mls',
    ]);
  });
});
