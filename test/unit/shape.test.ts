/**
 * The page shaping every destination receives (activities/destinations/shape.ts), without a
 * database: duplicates collapsed, the transform hook (children see their parent), children taken
 * out with their parent's stored key, and key mapping applied to parents and children.
 */
import { describe, expect, it } from 'vitest';
import type { RecordTransform, TransformContext } from '../../config';
import type { ResourceModel } from '../../activities/destinations/destination';
import { navigationFields, shapeHooks, shapePage, type ShapeHooks } from '../../activities/destinations/shape';
import { findEntityType, parseEdmx } from '../../activities/source/metadata';

const EDMX = `<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Test">
      <EntityType Name="Property">
        <Key><PropertyRef Name="ListingKey"/></Key>
        <Property Name="ListingKey" Type="Edm.String" Nullable="false"/>
        <Property Name="ModificationTimestamp" Type="Edm.DateTimeOffset" Precision="27"/>
        <Property Name="City" Type="Edm.String"/>
        <NavigationProperty Name="Media" Type="Collection(Test.Media)"/>
      </EntityType>
      <EntityType Name="Media">
        <Key><PropertyRef Name="MediaKey"/></Key>
        <Property Name="MediaKey" Type="Edm.String" Nullable="false"/>
        <Property Name="MediaURL" Type="Edm.String"/>
      </EntityType>
      <EntityContainer Name="Container">
        <EntitySet Name="Property" EntityType="Test.Property"/>
        <EntitySet Name="Media" EntityType="Test.Media"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>`;

function propertyWithMedia(): ResourceModel {
  const model = parseEdmx(EDMX);
  const entity = findEntityType(model, 'Property');
  const media = findEntityType(model, 'Media');
  if (!entity || !media) throw new Error('the inline EDMX lost an entity type');
  return {
    source: 'demo',
    resource: 'Property',
    entity,
    model,
    keyField: 'ListingKey',
    cursorField: 'ModificationTimestamp',
    children: [{ navigation: 'Media', resource: 'PropertyMedia', entity: media, keyField: 'MediaKey', purgeWithParent: true }],
  };
}

const hooks: ShapeHooks = { destination: 'test', parentKeyField: 'ParentKey' };

describe('shapePage', () => {
  it('takes expanded children out of their parent, each carrying the parent key', () => {
    const page = shapePage(
      propertyWithMedia(),
      [
        {
          ListingKey: 'L1',
          ModificationTimestamp: '2024-01-01T00:00:00Z',
          Media: [{ MediaKey: 'M1' }, { MediaKey: 'M2' }],
          'Media@odata.nextLink': 'http://next',
        },
        { ListingKey: 'L2', ModificationTimestamp: '2024-01-01T00:00:00Z', Media: null },
        { ListingKey: 'L3', ModificationTimestamp: '2024-01-01T00:00:00Z' },
      ],
      hooks,
    );
    expect(page.parents.map((p) => p.ListingKey)).toEqual(['L1', 'L2', 'L3']);
    const media = page.children[0]!;
    expect(media.records).toEqual([
      { MediaKey: 'M1', ParentKey: 'L1' },
      { MediaKey: 'M2', ParentKey: 'L1' },
    ]);
    expect(media.parentOf).toEqual([0, 0]);
    // L2 said "no media" (replace with none); L3 said nothing (keep what is stored).
    expect([...media.delivered]).toEqual([0, 1]);
    expect([...media.truncated]).toEqual([0]);
    // The parent row's own fields are untouched; navigations are filtered by the writers.
    expect(navigationFields(propertyWithMedia())('Media@odata.nextLink')).toBe(true);
    expect(navigationFields(propertyWithMedia())('City')).toBe(false);
  });

  it('runs the transform on copies, children seeing the transformed parent without navigations', () => {
    const seen: { resource: string; context: TransformContext }[] = [];
    const transform: RecordTransform = (resource, record, context) => {
      seen.push({ resource, context });
      if (record.MediaKey === 'skip') return null;
      if (record.MediaKey === 'bad') throw new Error('boom');
      record.Touched = true;
      return record;
    };
    const sent = {
      ListingKey: 'L1',
      ModificationTimestamp: '2024-01-01T00:00:00Z',
      City: 'Oslo',
      Media: [{ MediaKey: 'M1' }, { MediaKey: 'skip' }, { MediaKey: 'bad' }, 'not an object'],
    };
    const page = shapePage(propertyWithMedia(), [sent], { ...hooks, transform });
    // The page as sent is not changed: other destinations receive it too.
    expect(sent).not.toHaveProperty('Touched');
    expect(page.parents).toEqual([{ ListingKey: 'L1', ModificationTimestamp: '2024-01-01T00:00:00Z', City: 'Oslo', Touched: true }]);
    expect(seen[0]).toEqual({ resource: 'Property', context: { source: 'demo' } });
    expect(seen[1]).toEqual({
      resource: 'PropertyMedia',
      context: {
        source: 'demo',
        navigation: 'Media',
        parent: { ListingKey: 'L1', ModificationTimestamp: '2024-01-01T00:00:00Z', City: 'Oslo', Touched: true },
      },
    });
    const media = page.children[0]!;
    expect(media.records).toEqual([{ MediaKey: 'M1', Touched: true, ParentKey: 'L1' }]);
    expect(media.skipped).toBe(1);
    expect(media.rejects.map((r) => r.reason)).toEqual(['transform threw: boom', 'an expanded Media is not an object']);
    // A reject is reported with the record as the MLS sent it.
    expect(page.originals.get(page.parents[0]!)).toBe(sent);
    expect(page.originals.get(media.records[0]!)).toEqual({ MediaKey: 'M1', ParentKey: 'L1' });
  });

  it('keeps an untransformed child row as its own original, the row as sent with its parent key', () => {
    const sent = { ListingKey: 'L1', ModificationTimestamp: '2024-01-01T00:00:00Z', Media: [{ MediaKey: 'M1', MediaURL: 'http://x' }] };
    const page = shapePage(propertyWithMedia(), [sent], hooks);
    const row = page.children[0]!.records[0]!;
    expect(row).toEqual({ MediaKey: 'M1', MediaURL: 'http://x', ParentKey: 'L1' });
    expect(page.originals.get(row)).toBe(row);
    // The row sent is not changed: other destinations receive it too.
    expect(sent.Media[0]).toEqual({ MediaKey: 'M1', MediaURL: 'http://x' });
  });

  it('rejects a parent whose key the transform removed, and a child without a key', () => {
    const page = shapePage(
      propertyWithMedia(),
      [
        { ListingKey: 'L1', ModificationTimestamp: '2024-01-01T00:00:00Z', Media: [{ MediaURL: 'http://x' }] },
        { ListingKey: 'L2', ModificationTimestamp: '2024-01-01T00:00:00Z' },
      ],
      { ...hooks, transform: (_r, record) => (record.ListingKey === 'L2' ? { ...record, ListingKey: '' } : record) },
    );
    expect(page.parents.map((p) => p.ListingKey)).toEqual(['L1']);
    expect(page.rejects).toEqual([
      expect.objectContaining({ key: 'L2', field: 'ListingKey', reason: 'ListingKey is missing after transform' }),
    ]);
    expect(page.children[0]!.rejects).toEqual([expect.objectContaining({ field: 'MediaKey', reason: 'MediaKey is missing' })]);
  });

  it('maps the keys of parents and children with the destination key mapping', () => {
    const page = shapePage(
      propertyWithMedia(),
      [{ ListingKey: 'L1', ModificationTimestamp: '2024-01-01T00:00:00Z', Media: [{ MediaKey: 'M1' }] }],
      // As a destination builds them from its config's keyMapping.
      shapeHooks('test', { keyMapping: { toDestination: (key, resource) => `${resource}:${key}` } }, 'ParentKey'),
    );
    expect(page.storedKeys).toEqual(['Property:L1']);
    const media = page.children[0]!;
    expect(media.storedKeys).toEqual(['PropertyMedia:M1']);
    expect(media.records).toEqual([{ MediaKey: 'M1', ParentKey: 'Property:L1' }]);
  });

  it('collapses a key sent twice: the newest timestamp wins, the last among equals', () => {
    const page = shapePage(
      propertyWithMedia(),
      [
        { ListingKey: 'A', ModificationTimestamp: '2024-01-02T00:00:00Z', City: 'newest' },
        { ListingKey: 'B', ModificationTimestamp: '2024-01-01T00:00:00Z', City: 'first' },
        { ListingKey: 'A', ModificationTimestamp: '2024-01-01T00:00:00Z', City: 'older' },
        { ListingKey: 'B', ModificationTimestamp: '2024-01-01T00:00:00Z', City: 'last' },
      ],
      hooks,
    );
    expect(page.dropped).toBe(2);
    expect(page.parents.map((p) => `${String(p.ListingKey)}=${String(p.City)}`)).toEqual(['A=newest', 'B=last']);
  });
});
