/**
 * Entity and complex types. Each declaration's own parts are built exactly once (so a problem
 * in `Member` is not reported again for every type deriving from it), then types are assembled
 * along their `BaseType` chain: a derived type such as Trestle's `Realtor : Member` declares no
 * Key of its own and would otherwise look unusable.
 */
import type { ComplexTypeModel, EntityTypeModel, FieldModel, NavigationModel } from './model';
import type { Declaration } from './declarations';
import type { FieldContext } from './fields';
import { buildField } from './fields';
import { childrenOf } from './xml';
import { parseTypeRef } from './typeref';
import { complexSubject, entityProblem, keyNotDeclared, memberProblem, noKeyProblem } from './problems';

interface OwnParts {
  /** Undefined when the declaration has no `<Key>` element. */
  key: string[] | undefined;
  fields: FieldModel[];
  navigation: NavigationModel[];
  openType: boolean;
  abstract: boolean;
}

export class StructuredTypeBuilder {
  private readonly own = new Map<Declaration, OwnParts>();

  constructor(private readonly ctx: FieldContext) {}

  buildEntity(declaration: Declaration): EntityTypeModel {
    const subject = declaration.name;
    const chain = this.chain(declaration, subject);
    const parts = chain.map((d) => this.ownParts(d, d.name));
    const fields = mergeByName(
      parts.map((p) => p.fields),
      subject,
      this.ctx.problems,
    );
    const navigation = mergeByName(
      parts.map((p) => p.navigation),
      subject,
      this.ctx.problems,
    );
    // The nearest declared Key wins; in valid CSDL only the root of the chain declares one.
    const declaredKey = parts.map((p) => p.key).findLast((k) => k !== undefined) ?? [];
    const own = parts.at(-1);

    if (declaredKey.length === 0 && !own?.abstract) this.ctx.problems.push(noKeyProblem(subject));
    const key = declaredKey.map((keyName) => this.keyField(subject, keyName, fields));

    return {
      name: declaration.name,
      namespace: declaration.namespace,
      key,
      fields,
      navigation,
      openType: parts.some((p) => p.openType),
    };
  }

  /**
   * The field a `<PropertyRef>` names. A name that differs from a field's only in case is taken
   * as that field (with a warning); one that matches no field stays as written, which makes the
   * entity type unusable (see `unusableReason`) rather than a table whose key has no column.
   */
  private keyField(subject: string, keyName: string, fields: readonly FieldModel[]): string {
    if (fields.some((f) => f.name === keyName)) return keyName;
    const lower = keyName.toLowerCase();
    const loose = fields.filter((f) => f.name.toLowerCase() === lower);
    if (loose.length === 1) {
      const name = loose[0]!.name;
      this.ctx.problems.push(entityProblem(subject, `key property "${keyName}" read as field ${name} (names are case-sensitive)`));
      return name;
    }
    this.ctx.problems.push(entityProblem(subject, keyNotDeclared(keyName)));
    return keyName;
  }

  buildComplex(declaration: Declaration): ComplexTypeModel {
    const subject = complexSubject(declaration.name);
    const chain = this.chain(declaration, subject);
    const parts = chain.map((d) => this.ownParts(d, complexSubject(d.name)));
    const fields = mergeByName(
      parts.map((p) => p.fields),
      subject,
      this.ctx.problems,
    );
    return { name: declaration.name, namespace: declaration.namespace, fields };
  }

  /** The declaration and its ancestors, root first. */
  private chain(declaration: Declaration, subject: string): Declaration[] {
    const chain = [declaration];
    let current = declaration;
    for (;;) {
      const baseRef = current.element.attrs.BaseType?.trim();
      if (!baseRef) break;
      const base = this.ctx.declarations.resolve(baseRef, [declaration.kind]);
      if (base?.kind !== declaration.kind) {
        this.ctx.problems.push(`${subject}: base type "${baseRef}" is not declared; its fields are missing`);
        break;
      }
      if (chain.includes(base)) {
        this.ctx.problems.push(`${subject}: base type "${baseRef}" derives from itself`);
        break;
      }
      chain.unshift(base);
      current = base;
    }
    return chain;
  }

  private ownParts(declaration: Declaration, subject: string): OwnParts {
    const cached = this.own.get(declaration);
    if (cached) return cached;
    const { element } = declaration;
    const keyElement = childrenOf(element, 'Key')[0];
    const parts: OwnParts = {
      key: keyElement
        ? childrenOf(keyElement, 'PropertyRef').flatMap((ref) => {
            const name = ref.attrs.Name?.trim();
            return name ? [name] : [];
          })
        : undefined,
      fields: this.dedupe(
        subject,
        childrenOf(element, 'Property').flatMap((p) => {
          const field = buildField(subject, declaration.name, p, this.ctx);
          return field ? [field] : [];
        }),
      ),
      navigation: this.dedupe(
        subject,
        childrenOf(element, 'NavigationProperty').flatMap((n) => {
          const nav = this.buildNavigation(subject, n.attrs.Name, n.attrs.Type);
          return nav ? [nav] : [];
        }),
      ),
      openType: isTrue(element.attrs.OpenType),
      abstract: isTrue(element.attrs.Abstract),
    };
    this.own.set(declaration, parts);
    return parts;
  }

  private dedupe<T extends { name: string }>(subject: string, list: T[]): T[] {
    return mergeByName([list], subject, this.ctx.problems);
  }

  private buildNavigation(subject: string, rawName: string | undefined, rawType: string | undefined): NavigationModel | undefined {
    const name = rawName?.trim();
    if (!name) {
      this.ctx.problems.push(`${subject}: a <NavigationProperty> without a Name was ignored`);
      return undefined;
    }
    const ref = parseTypeRef(rawType ?? '');
    if (ref.qualified === '') {
      this.ctx.problems.push(memberProblem(subject, name, 'navigation property has no Type; ignored'));
      return undefined;
    }
    const target = this.ctx.declarations.resolve(ref.qualified, ['entity']);
    if (target?.kind !== 'entity') {
      // Kept anyway: the server may still honour `$expand` on it.
      this.ctx.problems.push(memberProblem(subject, name, `navigation target "${ref.raw}" is not a declared entity type`));
    }
    return {
      name,
      targetType: target?.kind === 'entity' ? target.name : ref.name,
      collection: ref.collection,
    };
  }
}

function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

/**
 * Concatenates lists (base type first), keeping the first of any repeated name. Each level is
 * deduplicated on its own first, so here only clashes between levels are reported.
 */
function mergeByName<T extends { name: string }>(lists: readonly T[][], subject: string, problems: string[]): T[] {
  const merged: T[] = [];
  const seen = new Set<string>();
  for (const list of lists) {
    for (const item of list) {
      if (seen.has(item.name)) {
        problems.push(memberProblem(subject, item.name, 'declared twice; the first is kept'));
        continue;
      }
      seen.add(item.name);
      merged.push(item);
    }
  }
  return merged;
}
