/**
 * How problems are worded. `EdmModel.problems` is a plain string list (it travels through
 * Temporal and into CLI output), so the link between a problem and the entity type it concerns
 * is carried by a prefix: problems about entity type `Property` start with `Property:` or
 * `Property.<field>:`. Everything else (enums, complex types, entity sets) starts with a
 * lower-case kind word, e.g. `enum Roof:`, so it never looks like it belongs to an entity type.
 */

export function entityProblem(entityType: string, message: string): string {
  return `${entityType}: ${message}`;
}

export function memberProblem(owner: string, member: string, message: string): string {
  return `${owner}.${member}: ${message}`;
}

/** Subject used for problems about a complex type (and its fields). */
export function complexSubject(name: string): string {
  return `complex type ${name}`;
}

export function enumSubject(name: string): string {
  return `enum ${name}`;
}

export function entitySetSubject(name: string): string {
  return `entity set ${name}`;
}

/** Shared by the parser and the resource summary so the same fact is never listed twice. */
export function noKeyProblem(entityType: string): string {
  return entityProblem(entityType, 'no Key declared, so records cannot be identified');
}

/** Shared by the parser and `unusableReason`: a `<PropertyRef>` naming no `<Property>`. */
export function keyNotDeclared(keyName: string): string {
  return `key property "${keyName}" is not declared as a property`;
}

/** Shared by the parser and `unusableReason`: an `<EntitySet>` whose type is nowhere. */
export function setTypeNotDeclared(typeRef: string): string {
  return typeRef ? `entity type "${typeRef}" is not declared` : 'no EntityType given';
}

/** The problems that concern the given entity type, in their original order. */
export function problemsAbout(problems: readonly string[], entityType: string): string[] {
  const asEntity = `${entityType}:`;
  const asMember = `${entityType}.`;
  return problems.filter((p) => p.startsWith(asEntity) || p.startsWith(asMember));
}
