import { describe, expect, it } from 'vitest';
import {
  defaultTemporalDevConfigPath,
  frontendAddress,
  loadTemporalDevConfig,
  parseDurationSeconds,
  parseTemporalDevConfig,
  toStartDevArgs,
  uiUrl,
} from '../../scripts/lib/temporal-dev-config';
import { isVersionAtLeast, parseTemporalVersion } from '../../scripts/lib/temporal-cli';
import { chooseSocketPath } from '../../scripts/lib/mariadb';

/** Values following each occurrence of a repeatable flag, in order. */
function flagValues(args: string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag ? [args[i + 1] ?? '<missing>'] : []));
}

describe('toStartDevArgs', () => {
  const config = parseTemporalDevConfig(
    [
      'ip: 127.0.0.1',
      'port: 7233',
      'uiPort: 8233',
      'dbFilename: .data/temporal/temporal.db',
      'sqlitePragmas: { journal_mode: WAL, busy_timeout: 5000 }',
      'namespace: resync',
      'retention: 720h',
      'logLevel: warn',
      'searchAttributes: { ResyncSource: Keyword, ResyncRecords: Int }',
      'dynamicConfig:',
      '  frontend.enableUpdateWorkflowExecution: true',
      '  matching.numTaskqueueReadPartitions: 1',
      '  some.stringSetting: hello',
    ].join('\n'),
    { baseDir: '/repo' },
  );
  const args = toStartDevArgs(config);

  it('starts with the subcommand and maps the scalar settings', () => {
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(flagValues(args, '--ip')).toEqual(['127.0.0.1']);
    expect(flagValues(args, '--port')).toEqual(['7233']);
    expect(flagValues(args, '--ui-port')).toEqual(['8233']);
    expect(flagValues(args, '--namespace')).toEqual(['resync']);
    expect(flagValues(args, '--log-level')).toEqual(['warn']);
    expect(args).not.toContain('--headless');
  });

  it('resolves a relative dbFilename against the config folder and passes pragmas', () => {
    expect(flagValues(args, '--db-filename')).toEqual(['/repo/.data/temporal/temporal.db']);
    expect(flagValues(args, '--sqlite-pragma')).toEqual(['journal_mode=WAL', 'busy_timeout=5000']);
  });

  it('passes search attributes as KEY=Type', () => {
    expect(flagValues(args, '--search-attribute')).toEqual(['ResyncSource=Keyword', 'ResyncRecords=Int']);
  });

  it('JSON-encodes dynamic config values (strings quoted)', () => {
    expect(flagValues(args, '--dynamic-config-value')).toEqual([
      'frontend.enableUpdateWorkflowExecution=true',
      'matching.numTaskqueueReadPartitions=1',
      'some.stringSetting="hello"',
    ]);
  });

  it('runs in memory (no --db-filename, no pragmas) when dbFilename is null', () => {
    const memory = toStartDevArgs({ ...config, dbFilename: null });
    expect(memory).not.toContain('--db-filename');
    expect(memory).not.toContain('--sqlite-pragma');
  });

  it('uses --headless instead of a UI port when the UI is disabled', () => {
    const headless = toStartDevArgs({ ...config, ui: false });
    expect(headless).toContain('--headless');
    expect(headless).not.toContain('--ui-port');
    expect(uiUrl({ ...config, ui: false })).toBeUndefined();
  });

  it('derives the dial address and UI URL', () => {
    expect(frontendAddress(config)).toBe('127.0.0.1:7233');
    expect(frontendAddress({ ip: '0.0.0.0', port: 7233 })).toBe('127.0.0.1:7233');
    expect(uiUrl(config)).toBe('http://127.0.0.1:8233');
  });
});

describe('parseTemporalDevConfig', () => {
  it('fills defaults for an empty file', () => {
    const config = parseTemporalDevConfig('', { baseDir: '/repo' });
    expect(config).toMatchObject({ ip: '127.0.0.1', port: 7233, uiPort: 8233, namespace: 'default', retention: '720h' });
    expect(config.dbFilename).toBe('/repo/.data/temporal/temporal.db');
  });

  it.each([
    ['port: abc', 'port'],
    ['port: 70000', 'port'],
    ['logLevel: loud', 'logLevel'],
    ['retention: forever', 'retention'],
    ['searchAttributes: { ResyncSource: Bogus }', 'searchAttributes.ResyncSource'],
    ['searchAttributes: { "bad-name": Keyword }', 'searchAttributes.bad-name'],
    ['uiport: 8233', 'uiport'],
  ])('rejects %j naming the key %s', (yaml, key) => {
    expect(() => parseTemporalDevConfig(yaml, { source: 'x.yaml' })).toThrow(
      new RegExp(`x\\.yaml[\\s\\S]*\\b${key.replace('.', '\\.')}\\b`),
    );
  });

  it('reports YAML syntax errors with the file name', () => {
    expect(() => parseTemporalDevConfig('port: [7233', { source: 'broken.yaml' })).toThrow(/broken\.yaml: invalid YAML/);
  });

  it('loads the repository temporal-dev.yaml with the project search attributes', async () => {
    const config = await loadTemporalDevConfig(defaultTemporalDevConfigPath);
    expect(config.searchAttributes).toEqual({
      ResyncSource: 'Keyword',
      ResyncResource: 'Keyword',
      ResyncProcess: 'Keyword',
      ResyncRecords: 'Int',
    });
    expect(config.retention).toBe('720h');
    expect(config.dynamicConfig['system.forceSearchAttributesCacheRefreshOnRead']).toBe(true);
  });

  it('names the file when it cannot be read', async () => {
    await expect(loadTemporalDevConfig('/nonexistent/temporal-dev.yaml')).rejects.toThrow(/nonexistent\/temporal-dev\.yaml/);
  });
});

describe('helpers', () => {
  it('parses Go-style durations and days', () => {
    expect(parseDurationSeconds('720h')).toBe(720 * 3600);
    expect(parseDurationSeconds('1h30m')).toBe(5400);
    expect(parseDurationSeconds('30d')).toBe(30 * 86400);
    expect(parseDurationSeconds('forever')).toBeUndefined();
    expect(parseDurationSeconds('')).toBeUndefined();
  });

  it('parses and compares Temporal CLI versions', () => {
    expect(parseTemporalVersion('temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)\n')).toBe('1.5.1');
    expect(isVersionAtLeast('1.5.1', '1.5.0')).toBe(true);
    expect(isVersionAtLeast('1.10.0', '1.5.0')).toBe(true);
    expect(isVersionAtLeast('1.4.9', '1.5.0')).toBe(false);
    expect(isVersionAtLeast('0.0.0-DEV', '1.5.0')).toBe(false);
  });

  it('keeps the MariaDB socket path under the unix socket length limit', () => {
    expect(chooseSocketPath('/srv/resync/.data/mariadb')).toBe('/srv/resync/.data/mariadb/mariadb.sock');
    const deep = `/${'very-long-folder-name/'.repeat(8)}.data/mariadb`;
    const socket = chooseSocketPath(deep);
    expect(socket.startsWith(deep)).toBe(false);
    expect(Buffer.byteLength(socket)).toBeLessThan(100);
    expect(chooseSocketPath(deep)).toBe(socket); // stable per data dir
  });
});
