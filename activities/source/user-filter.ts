/**
 * A resource's configured `$filter`, written the way its platform accepts it. Every request that
 * carries the user's filter (sync, counts, key downloads, fetches by key) should go through here.
 */
import type { EdmModel, EntityTypeModel } from './metadata';
import type { Platform } from './platforms';
import { typeEnumLiterals } from './filter-literals';

export function userFilterFor(
  platform: Pick<Platform, 'enumLiterals'>,
  resource: { entity: EntityTypeModel; model: EdmModel },
  filter: string | undefined,
): string | undefined {
  if (!filter || platform.enumLiterals !== 'typed') return filter;
  const fields = new Map(resource.entity.fields.map((f) => [f.name, f]));
  return typeEnumLiterals(filter, (name) => {
    const field = fields.get(name);
    if (field?.type.kind !== 'enum') return undefined;
    const enumType = Object.hasOwn(resource.model.enumTypes, field.type.name) ? resource.model.enumTypes[field.type.name] : undefined;
    return enumType ? { namespace: enumType.namespace, name: enumType.name } : undefined;
  });
}
