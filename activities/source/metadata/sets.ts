/** Entity sets: the names servers expose in URLs, which need not match the type names. */
import type { EntitySetModel } from './model';
import type { Declarations } from './declarations';
import type { XmlElement } from './xml';
import { childrenOf } from './xml';
import { unqualified } from './typeref';
import { entitySetSubject } from './problems';

export function collectEntitySets(schemas: readonly XmlElement[], declarations: Declarations, problems: string[]): EntitySetModel[] {
  const sets: EntitySetModel[] = [];
  const seen = new Set<string>();
  // Containers may sit in any schema (often a separate `Default` one), so look in all of them.
  for (const schema of schemas) {
    for (const container of childrenOf(schema, 'EntityContainer')) {
      for (const set of childrenOf(container, 'EntitySet')) {
        const name = set.attrs.Name?.trim();
        const typeRef = set.attrs.EntityType?.trim() ?? '';
        if (!name) {
          problems.push('an <EntitySet> without a Name was ignored');
          continue;
        }
        const subject = entitySetSubject(name);
        if (seen.has(name)) {
          problems.push(`${subject}: declared twice; the first is kept`);
          continue;
        }
        seen.add(name);
        const target = declarations.resolve(typeRef, ['entity']);
        if (target?.kind !== 'entity') {
          // Kept: the server does answer on that URL, resync just cannot describe its records.
          problems.push(`${subject}: entity type "${typeRef}" is not declared`);
        }
        sets.push({
          name,
          entityType: target?.kind === 'entity' ? target.name : unqualified(typeRef),
        });
      }
    }
  }
  return sets;
}
