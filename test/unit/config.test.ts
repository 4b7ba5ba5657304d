import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../config';

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
    expect(c.temporal.taskQueue).toBe('resync');
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

describe('shipped configs', () => {
  it('the example and the demo config are valid', async () => {
    const { fileURLToPath } = await import('node:url');
    for (const file of ['../../config/config.example.ts', '../../config/demo.config.ts']) {
      const { config } = await loadConfig(fileURLToPath(new URL(file, import.meta.url)));
      expect(Object.keys(config.sources)).toContain('demo');
    }
  });
});
