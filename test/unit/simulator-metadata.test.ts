import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { metadataXml, parseSimSchema } from '../../simulator/fields';
import { extractPropertyMedia } from '../../simulator/metadata/extract';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/metadata/${name}`, import.meta.url), 'utf8');

describe('simulator metadata', () => {
  it('is exactly what extract.ts produces from the Data Dictionary fixture', () => {
    const result = extractPropertyMedia(fixture('reso-dd-2.0-enum.xml'), fixture('reso-dd-2.0-lookup-resource.xml'));
    expect(result.xml).toBe(metadataXml());
  });

  it('carries Property and Media complete, with their keys and the Media navigation', () => {
    const schema = parseSimSchema(metadataXml());
    const property = schema.entityTypes.get('Property');
    const media = schema.entityTypes.get('Media');
    expect(property?.key).toBe('ListingKey');
    expect(property?.fields.length).toBe(632);
    expect(property?.navigation).toEqual(['Media']);
    expect(media?.key).toBe('MediaKey');
    for (const name of ['MediaKey', 'ResourceName', 'ResourceRecordKey', 'MediaURL', 'Order', 'ModificationTimestamp']) {
      expect(media?.byName.has(name), name).toBe(true);
    }
    expect(property?.byName.get('ModificationTimestamp')?.kind).toBe('datetime');
    expect(property?.byName.get('ListPrice')).toMatchObject({ kind: 'decimal', precision: 14, scale: 2 });
    expect(property?.byName.get('Appliances')).toMatchObject({ kind: 'enum', collection: true });
  });

  it('defines every enum type its fields reference, and nothing else', () => {
    const schema = parseSimSchema(metadataXml());
    const referenced = new Set<string>();
    for (const type of schema.entityTypes.values()) {
      for (const f of type.fields) {
        if (f.type.startsWith('Edm.')) continue;
        expect(schema.enums.has(f.type), `${type.name}.${f.name} → ${f.type}`).toBe(true);
        referenced.add(f.type);
      }
    }
    expect([...schema.enums.keys()].sort()).toEqual([...referenced].sort());
    expect(schema.enums.get('org.reso.metadata.enums.StandardStatus')?.members).toContain('Active');
  });

  it('declares the Property and Media entity sets and nothing else', () => {
    const xml = metadataXml();
    expect([...xml.matchAll(/<EntitySet Name="([^"]+)"/g)].map((m) => m[1])).toEqual(['Property', 'Media']);
    expect([...xml.matchAll(/<EntityType Name="([^"]+)"/g)].map((m) => m[1])).toEqual(['Property', 'Media']);
    expect(xml).toContain('<NavigationPropertyBinding Path="Media" Target="Media"/>');
  });
});
