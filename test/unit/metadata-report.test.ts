import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatMetadataReport, loadMetadataFile } from '../../worker/commands/metadata';
import { MetadataError, summarizeResources } from '../../activities/source/metadata';
import type { ResourceSummary } from '../../activities/source/metadata';

const SUMMARIES: ResourceSummary[] = [
  {
    resource: 'Properties',
    entityType: 'Property',
    key: ['ListingKeyNumeric'],
    fieldCount: 220,
    cursorFields: ['ModificationTimestamp'],
    problems: [],
  },
  {
    resource: 'Resource',
    entityType: 'Resource',
    key: [],
    fieldCount: 6,
    cursorFields: [],
    problems: ['Resource: no Key declared', 'no ModificationTimestamp: sync cannot be incremental'],
  },
];

describe('formatMetadataReport', () => {
  it('renders JSON with a fixed shape', () => {
    const text = formatMetadataReport(SUMMARIES, { json: true, problems: ['enum X: odd'] });
    const parsed: unknown = JSON.parse(text);
    expect(parsed).toEqual({ resources: SUMMARIES, problems: ['enum X: odd'] });
    expect(text).toContain('\n  "resources": [');
  });

  it('renders a table with problems indented under their resource', () => {
    const text = formatMetadataReport(SUMMARIES, { json: false, problems: ['enum X: odd'] });
    expect(text.split('\n')).toEqual([
      'RESOURCE               KEY                FIELDS  CURSOR FIELDS',
      'Properties (Property)  ListingKeyNumeric  220     ModificationTimestamp',
      'Resource               (none)             6       -',
      '    ! Resource: no Key declared',
      '    ! no ModificationTimestamp: sync cannot be incremental',
      '',
      'Other problems (1):',
      '    ! enum X: odd',
    ]);
  });
});

describe('loadMetadataFile', () => {
  it('parses a file from disk', async () => {
    const path = fileURLToPath(new URL('../fixtures/metadata/mlsgrid-2019.xml', import.meta.url));
    const model = await loadMetadataFile(path);
    expect(summarizeResources(model).map((s) => s.resource)).toEqual(['PropertyResi', 'Media']);
  });

  it('turns a missing file into a MetadataError naming it', async () => {
    const path = join(tmpdir(), 'resync-no-such-metadata.xml');
    await expect(loadMetadataFile(path)).rejects.toThrow(MetadataError);
    await expect(loadMetadataFile(path)).rejects.toThrow(`metadata file not found: ${path}`);
  });

  it('names the file when its content is unusable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resync-metadata-'));
    const path = join(dir, 'bad.xml');
    writeFileSync(path, '<html/>');
    await expect(loadMetadataFile(path)).rejects.toThrow(`${path}: metadata is not EDMX`);
  });
});
