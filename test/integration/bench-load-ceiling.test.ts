/**
 * The benchmark's physical ceiling (scripts/bench/load-ceiling.ts) must load exactly the rows the
 * writer stores, or its figure would measure something else: the same records through both paths
 * into two fresh databases of the real MariaDB, compared row by row.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { withDatabase } from '../../config';
import { MysqlDestination } from '../../activities/destinations/mysql';
import { tsvField } from '../../activities/destinations/mysql/bulk-load';
import { readFileSync } from 'node:fs';
import { loadCeiling } from '../../scripts/bench/load-ceiling';
import { serverPid } from '../../scripts/bench/sql';
import { listingResource } from '../support/listing-model';
import { query, uniqueName } from '../support/stack';

const databases: string[] = [];
function freshDatabase(): string {
  const db = uniqueName('t_load');
  databases.push(db);
  return withDatabase(inject('mysqlServerUrl'), db);
}

afterAll(async () => {
  for (const db of databases) await query(inject('mysqlServerUrl'), `DROP DATABASE IF EXISTS \`${db}\``);
});

const records: Record<string, unknown>[] = [
  {
    ListingKey: 'L1',
    ModificationTimestamp: '2024-03-01T10:00:00.1234567Z',
    CloseDate: '2024-02-01',
    City: 'Tab\there',
    PublicRemarks: 'line one\nline two\r\nback\\slash \\N not null, nul \u0000 and 🏠',
    ListingGuid: '0f8fad5b-d9cb-469f-a165-70867728950e',
    BedroomsTotal: 3,
    ListPrice: '123456.78',
    WaterfrontYN: true,
    Unknown: { nested: ['x'] },
  },
  {
    ListingKey: 'L2',
    ModificationTimestamp: '2024-03-02T10:00:00Z',
    CloseDate: null,
    City: null,
    PublicRemarks: '',
    ListingGuid: null,
    BedroomsTotal: null,
    ListPrice: null,
    WaterfrontYN: false,
  },
];

describe('load ceiling', () => {
  it('escapes what LOAD DATA would read as a separator, an escape or NULL', () => {
    expect(tsvField(null)).toBe('\\N');
    expect(tsvField('\\N')).toBe('\\\\N');
    expect(tsvField('a\tb\nc\rd\0e')).toBe('a\\tb\\nc\\rd\\0e');
    expect(tsvField(12)).toBe('12');
  });

  it('loads the same rows the writer stores', async () => {
    const model = listingResource('bench');
    const written = freshDatabase();
    const dest = new MysqlDestination('t', { type: 'mysql', url: written, manageSchema: true });
    try {
      await dest.ensureSchema(model);
      const result = await dest.writePage(model, records);
      expect(result.rejects).toEqual([]);
    } finally {
      await dest.close();
    }
    const loaded = freshDatabase();
    const load = await loadCeiling(loaded, model, [records]);
    expect(load.rows).toBe(2);
    const rows = (url: string) => query(url, 'SELECT * FROM `Listing` ORDER BY `ListingKey`');
    const expected = await rows(written);
    expect(expected).toHaveLength(2);
    expect(await rows(loaded)).toEqual(expected);
  });

  it('refuses a record the writer would reject, rather than load something else', async () => {
    const model = listingResource('bench');
    const bad = [{ ...records[1]!, ListingKey: 'L3', BedroomsTotal: 'many' }];
    await expect(loadCeiling(freshDatabase(), model, [bad])).rejects.toThrow(/expected an integer/);
  });

  it("counts the server's CPU inside the clock, from the pid its pid file names", async () => {
    const pid = await serverPid(inject('mysqlServerUrl'));
    expect(pid).toBeDefined();
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toMatch(/^(mariadbd|mysqld)$/);
    const load = await loadCeiling(freshDatabase(), listingResource('bench'), [records], pid);
    expect(load.rows).toBe(2);
    expect(load.serverCpuSeconds).toBeGreaterThanOrEqual(0);
    const unknown = await loadCeiling(freshDatabase(), listingResource('bench'), [records]);
    expect(unknown.serverCpuSeconds).toBeUndefined();
  });
});
