/**
 * First pass over the schemas: which types exist, under which namespace and alias. Fields can
 * only be resolved once every schema has been seen, because platforms routinely put entity
 * types in one `<Schema>` and their enums in another, in either order.
 */
import { childrenOf } from './xml';
import type { XmlElement } from './xml';
import { unqualified } from './typeref';

export type DeclarationKind = 'entity' | 'enum' | 'complex' | 'typedef';

export interface Declaration {
  kind: DeclarationKind;
  name: string;
  namespace: string;
  element: XmlElement;
}

const ELEMENT_KINDS: ReadonlyArray<[string, DeclarationKind]> = [
  ['EntityType', 'entity'],
  ['EnumType', 'enum'],
  ['ComplexType', 'complex'],
  ['TypeDefinition', 'typedef'],
];

export class Declarations {
  /** Every declaration, in document order. */
  readonly all: Declaration[] = [];
  private readonly byQualified = new Map<string, Declaration>();
  private readonly bySimple = new Map<string, Declaration[]>();
  private readonly bySimpleLower = new Map<string, Declaration[]>();

  add(declaration: Declaration, alias: string | undefined): void {
    this.all.push(declaration);
    const lower = declaration.name.toLowerCase();
    const sameLower = this.bySimpleLower.get(lower);
    if (sameLower) sameLower.push(declaration);
    else this.bySimpleLower.set(lower, [declaration]);
    this.byQualified.set(`${declaration.namespace}.${declaration.name}`, declaration);
    if (alias) this.byQualified.set(`${alias}.${declaration.name}`, declaration);
    const same = this.bySimple.get(declaration.name);
    if (same) same.push(declaration);
    else this.bySimple.set(declaration.name, [declaration]);
  }

  /**
   * Finds what a qualified reference points to. An exact namespace (or alias) match wins;
   * otherwise the unqualified name is looked up among the kinds in `prefer` order, which is what
   * makes resync indifferent to a platform renaming or mis-qualifying its namespaces.
   */
  resolve(qualified: string, prefer: readonly DeclarationKind[]): Declaration | undefined {
    const exact = this.byQualified.get(qualified);
    if (exact) return exact;
    const candidates = this.bySimple.get(unqualified(qualified)) ?? [];
    for (const kind of prefer) {
      const found = candidates.find((d) => d.kind === kind);
      if (found) return found;
    }
    return candidates[0];
  }

  /**
   * The one declaration of the given kind whose unqualified name matches ignoring case, for
   * references a vendor wrote in the wrong case. Undefined when none or several match.
   */
  resolveIgnoringCase(qualified: string, kind: DeclarationKind): Declaration | undefined {
    const matches = (this.bySimpleLower.get(unqualified(qualified).toLowerCase()) ?? []).filter((d) => d.kind === kind);
    return matches.length === 1 ? matches[0] : undefined;
  }
}

export function collectDeclarations(schemas: readonly XmlElement[], problems: string[]): Declarations {
  const declarations = new Declarations();
  for (const schema of schemas) {
    const namespace = schema.attrs.Namespace ?? '';
    const alias = schema.attrs.Alias;
    for (const [elementName, kind] of ELEMENT_KINDS) {
      for (const element of childrenOf(schema, elementName)) {
        const name = element.attrs.Name?.trim();
        if (!name) {
          problems.push(`schema ${namespace || '(unnamed)'}: an <${elementName}> without a Name was ignored`);
          continue;
        }
        // Types are stored in plain objects keyed by name; this one would replace the prototype.
        if (name === '__proto__') {
          problems.push(`schema ${namespace || '(unnamed)'}: <${elementName} Name="__proto__"> was ignored`);
          continue;
        }
        declarations.add({ kind, name, namespace, element }, alias);
      }
    }
  }
  return declarations;
}
