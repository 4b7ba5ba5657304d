/**
 * Reads an OData v4 `$metadata` (EDMX/CSDL XML) document into the namespace-agnostic
 * `EdmModel`. It throws only when the document is unusable as a whole; everything else it does
 * not understand is described in `model.problems` so that `resync metadata` can show it and the
 * sync can carry on with what it does understand.
 */
import type { EdmModel } from './model';
import { MetadataError } from './errors';
import { childrenOf, parseXml } from './xml';
import type { XmlElement } from './xml';
import { collectDeclarations } from './declarations';
import type { Declaration, DeclarationKind } from './declarations';
import { externalLookupNames } from './annotations';
import { buildEnum } from './enums';
import { StructuredTypeBuilder } from './structured';
import { collectEntitySets } from './sets';

export function parseEdmx(xml: string): EdmModel {
  const problems: string[] = [];
  const schemas = findSchemas(parseXml(xml, problems));
  const declarations = collectDeclarations(schemas, problems);
  const builder = new StructuredTypeBuilder({
    declarations,
    externalLookups: externalLookupNames(schemas),
    problems,
  });

  const model: EdmModel = {
    namespaces: unique(schemas.map((s) => s.attrs.Namespace?.trim() ?? '').filter(Boolean)),
    entityTypes: {},
    enumTypes: {},
    complexTypes: {},
    entitySets: [],
    problems,
  };
  // Records keyed by unqualified name: the first declaration of a name wins, later ones are
  // reported rather than silently overwriting it.
  const firstOf = new Map<string, Declaration>();
  for (const declaration of declarations.all) {
    const slot = `${declaration.kind}:${declaration.name}`;
    const first = firstOf.get(slot);
    if (first) {
      problems.push(duplicateProblem(declaration, first));
      continue;
    }
    firstOf.set(slot, declaration);
    switch (declaration.kind) {
      case 'entity':
        model.entityTypes[declaration.name] = builder.buildEntity(declaration);
        break;
      case 'enum':
        model.enumTypes[declaration.name] = buildEnum(declaration, problems);
        break;
      case 'complex':
        model.complexTypes[declaration.name] = builder.buildComplex(declaration);
        break;
      case 'typedef':
        // Resolved into primitives where fields use them; nothing to record.
        break;
    }
  }
  model.entitySets = collectEntitySets(schemas, declarations, problems);
  return model;
}

function findSchemas(document: XmlElement): XmlElement[] {
  const edmx = childrenOf(document, 'Edmx')[0];
  if (!edmx) {
    const found = Object.keys(document.children)[0];
    throw new MetadataError(
      found === undefined
        ? 'metadata is empty: expected an <edmx:Edmx> document'
        : `metadata is not EDMX: expected an <edmx:Edmx> root element, found <${found}>`,
    );
  }
  const dataServices = childrenOf(edmx, 'DataServices')[0];
  if (!dataServices) {
    throw new MetadataError('metadata has no <edmx:DataServices> element inside <edmx:Edmx>');
  }
  const schemas = childrenOf(dataServices, 'Schema');
  if (schemas.length === 0) {
    throw new MetadataError('metadata declares no <Schema> inside <edmx:DataServices>');
  }
  return schemas;
}

const KIND_WORDS: Record<DeclarationKind, string> = {
  entity: 'entity type',
  enum: 'enum',
  complex: 'complex type',
  typedef: 'type definition',
};

function duplicateProblem(duplicate: Declaration, first: Declaration): string {
  const where =
    duplicate.namespace === first.namespace
      ? `twice in namespace ${first.namespace}`
      : `in namespaces ${first.namespace} and ${duplicate.namespace}`;
  // Entity-type problems keep the `Name:` prefix so the resource summary picks them up.
  const subject = duplicate.kind === 'entity' ? duplicate.name : `${KIND_WORDS[duplicate.kind]} ${duplicate.name}`;
  return `${subject}: declared ${where}; the first is used`;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
