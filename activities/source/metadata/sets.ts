/** Entity sets: the names servers expose in URLs, which need not match the type names. */
import type { EntitySetModel } from './model';
import type { Declarations } from './declarations';
import type { XmlElement } from './xml';
import { childrenOf } from './xml';
import { unqualified } from './typeref';
import { entitySetSubject, setTypeNotDeclared } from './problems';

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
        let target = declarations.resolve(typeRef, ['entity']);
        if (target?.kind !== 'entity') {
          target = declarations.resolveIgnoringCase(typeRef, 'entity');
          if (target) {
            problems.push(`${subject}: entity type "${typeRef}" read as ${target.name} (names are case-sensitive)`);
          } else {
            // Kept: the server does answer on that URL, resync just cannot describe its records
            // (see unusableSetReason).
            problems.push(`${subject}: ${setTypeNotDeclared(typeRef)}`);
          }
        }
        sets.push({ name, entityType: target ? target.name : unqualified(typeRef) });
      }
    }
  }
  return sets;
}
