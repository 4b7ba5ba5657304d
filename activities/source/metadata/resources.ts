/** Questions the rest of resync asks of a parsed model, phrased in terms of resources. */
import type { EdmModel, EntityTypeModel } from './model';
import { noKeyProblem, problemsAbout } from './problems';

/**
 * Resolves a resource name as written in URLs or configuration. Entity set names come first
 * because they are what the server answers on (UtahRealEstate serves type `Property` at
 * `/Properties`); type names and then a case-insensitive match forgive configuration typos.
 */
export function findEntityType(model: EdmModel, resourceName: string): EntityTypeModel | undefined {
  const byType = (name: string): EntityTypeModel | undefined =>
    Object.hasOwn(model.entityTypes, name) ? model.entityTypes[name] : undefined;

  const set = model.entitySets.find((s) => s.name === resourceName);
  const exact = (set && byType(set.entityType)) ?? byType(resourceName);
  if (exact) return exact;

  const wanted = resourceName.toLowerCase();
  const looseSet = model.entitySets.find((s) => s.name.toLowerCase() === wanted);
  const looseSetType = looseSet && byType(looseSet.entityType);
  if (looseSetType) return looseSetType;
  return Object.values(model.entityTypes).find((t) => t.name.toLowerCase() === wanted);
}

/** Fields that can drive incremental sync, most useful first. */
export const CURSOR_FIELD_CANDIDATES = ['ModificationTimestamp', 'PhotosChangeTimestamp'] as const;

/** The cursor candidates present on the entity as single `Edm.DateTimeOffset` values. */
export function cursorFields(entity: EntityTypeModel): string[] {
  return CURSOR_FIELD_CANDIDATES.filter((candidate) =>
    entity.fields.some((f) => f.name === candidate && !f.collection && f.type.kind === 'primitive' && f.type.name === 'Edm.DateTimeOffset'),
  );
}

export interface ResourceSummary {
  /** Entity set name, or the entity type name when no set exposes the type. */
  resource: string;
  entityType: string;
  key: string[];
  fieldCount: number;
  cursorFields: string[];
  /** Model problems about this entity type, then what they mean for syncing it. */
  problems: string[];
}

const NOT_INCREMENTAL = 'no ModificationTimestamp: sync cannot be incremental';

/** One summary per entity type, in document order. */
export function summarizeResources(model: EdmModel): ResourceSummary[] {
  return Object.values(model.entityTypes).map((entity) => {
    const set = model.entitySets.find((s) => s.entityType === entity.name);
    const cursors = cursorFields(entity);
    const problems = new Set(problemsAbout(model.problems, entity.name));
    if (entity.key.length === 0) problems.add(noKeyProblem(entity.name));
    if (!cursors.includes('ModificationTimestamp')) problems.add(NOT_INCREMENTAL);
    return {
      resource: set?.name ?? entity.name,
      entityType: entity.name,
      key: [...entity.key],
      fieldCount: entity.fields.length,
      cursorFields: cursors,
      problems: [...problems],
    };
  });
}

/** The model problems that concern no entity type (enums, entity sets, schemas). */
export function generalProblems(model: EdmModel): string[] {
  const attributed = new Set(Object.keys(model.entityTypes).flatMap((name) => problemsAbout(model.problems, name)));
  return model.problems.filter((p) => !attributed.has(p));
}
