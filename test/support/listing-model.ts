/**
 * A small inline $metadata for the writer tests: one of each column kind a bad value can hit,
 * with deliberately short MaxLengths so widening is cheap to provoke.
 */
import type { ResourceModel } from '../../activities/destinations';
import { findEntityType, parseEdmx } from '../../activities/source/metadata';

export const LISTING_EDMX = `<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Test">
      <EntityType Name="Listing">
        <Key><PropertyRef Name="ListingKey"/></Key>
        <Property Name="ListingKey" Type="Edm.String" MaxLength="20" Nullable="false"/>
        <Property Name="ModificationTimestamp" Type="Edm.DateTimeOffset" Precision="27"/>
        <Property Name="CloseDate" Type="Edm.Date"/>
        <Property Name="City" Type="Edm.String" MaxLength="10"/>
        <Property Name="PublicRemarks" Type="Edm.String" MaxLength="4000"/>
        <Property Name="ListingGuid" Type="Edm.Guid"/>
        <Property Name="BedroomsTotal" Type="Edm.Int16"/>
        <Property Name="ListPrice" Type="Edm.Decimal" Precision="10" Scale="2"/>
        <Property Name="WaterfrontYN" Type="Edm.Boolean"/>
      </EntityType>
      <EntityContainer Name="Container">
        <EntitySet Name="Listing" EntityType="Test.Listing"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>`;

export function listingResource(source = 'wtest'): ResourceModel {
  const model = parseEdmx(LISTING_EDMX);
  const entity = findEntityType(model, 'Listing');
  if (!entity) throw new Error('the inline EDMX lost its Listing entity');
  return { source, resource: 'Listing', entity, model, keyField: 'ListingKey', cursorField: 'ModificationTimestamp' };
}

const MEDIA_EDMX = `<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Test">
      <EntityType Name="Listing">
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
        <Property Name="Order" Type="Edm.Int32"/>
      </EntityType>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>`;

/** A Listing with its Media expanded into the child resource ListingMedia. */
export function mediaResource(): ResourceModel {
  const model = parseEdmx(MEDIA_EDMX);
  const entity = findEntityType(model, 'Listing')!;
  const media = findEntityType(model, 'Media')!;
  return {
    source: 'wtest',
    resource: 'Listing',
    entity,
    model,
    keyField: 'ListingKey',
    cursorField: 'ModificationTimestamp',
    children: [{ navigation: 'Media', resource: 'ListingMedia', entity: media, keyField: 'MediaKey', purgeWithParent: true }],
  };
}
