/**
 * Whether a resource can be replicated at all, and if not, why — in one line a person can act on.
 * The parser keeps going past broken declarations (see `EdmModel.problems`); this is where the
 * consequence for one resource is decided, before any DDL or request could fail on it with a
 * database's or a server's less helpful words.
 */
import type { EdmModel, EntityTypeModel } from './model';
import { findEntityType } from './resources';
import { keyNotDeclared, setTypeNotDeclared } from './problems';

/**
 * A resource whose metadata makes it impossible to replicate (no key, a key that is no field, an
 * entity set without a declared type). A retry cannot fix it: the worker treats it as final.
 */
export class ResourceUnusable extends Error {
  override readonly name = 'ResourceUnusable';

  constructor(
    readonly resource: string,
    readonly reason: string,
  ) {
    super(`${resource} cannot be used: ${reason}`);
  }
}

/** Why rows of this entity type cannot be stored by key; undefined when they can. */
export function unusableReason(entity: EntityTypeModel): string | undefined {
  if (entity.key.length === 0) return `$metadata declares no key for ${entity.name}, so its records cannot be identified`;
  const missing = entity.key.find((k) => !entity.fields.some((f) => f.name === k));
  return missing === undefined ? undefined : keyNotDeclared(missing);
}

/**
 * Why a resource name that `findEntityType` does not resolve is still known to the metadata: an
 * entity set whose entity type is not declared. Undefined when the name is simply not there.
 */
export function unusableSetReason(model: EdmModel, resourceName: string): string | undefined {
  const wanted = resourceName.toLowerCase();
  const set = model.entitySets.find((s) => s.name === resourceName) ?? model.entitySets.find((s) => s.name.toLowerCase() === wanted);
  if (!set || Object.hasOwn(model.entityTypes, set.entityType)) return undefined;
  return `entity set ${set.name}: ${setTypeNotDeclared(set.entityType)}`;
}

export type ResourceResolution =
  | { entity: EntityTypeModel; unusable?: undefined }
  | { entity?: undefined; unusable: string }
  | { entity?: undefined; unusable?: undefined };

/**
 * The entity type of a resource and whether it can be used: `{ entity }`, `{ unusable: reason }`,
 * or `{}` when the metadata has no such resource at all.
 */
export function resolveResource(model: EdmModel, resourceName: string): ResourceResolution {
  const entity = findEntityType(model, resourceName);
  if (!entity) {
    const reason = unusableSetReason(model, resourceName);
    return reason === undefined ? {} : { unusable: reason };
  }
  const reason = unusableReason(entity);
  return reason === undefined ? { entity } : { unusable: reason };
}
