/** Type references as written in EDMX `Type="…"` attributes. */
import { EDM_PRIMITIVES } from './model';
import type { EdmPrimitive } from './model';

export interface TypeRef {
  /** Exactly as written, for problem messages. */
  raw: string;
  /** Wrapped in `Collection(...)`. */
  collection: boolean;
  /** The element type with its namespace or alias, e.g. `Odata.Models.Property`. */
  qualified: string;
  /** The element type without namespace, e.g. `Property`. */
  name: string;
}

const COLLECTION = /^Collection\s*\(\s*(.*?)\s*\)$/;

export function parseTypeRef(raw: string): TypeRef {
  const trimmed = raw.trim();
  const match = COLLECTION.exec(trimmed);
  const qualified = match?.[1] ?? trimmed;
  return { raw, collection: match !== null, qualified, name: unqualified(qualified) };
}

/**
 * Drops the namespace or alias. CSDL type names are simple identifiers (no dots), so everything
 * after the last dot is the name whatever the namespace looks like.
 */
export function unqualified(qualified: string): string {
  const dot = qualified.lastIndexOf('.');
  return dot === -1 ? qualified : qualified.slice(dot + 1);
}

/** `Edm.*` names live in the built-in namespace and never resolve against the document. */
export function isEdmNamespace(qualified: string): boolean {
  return qualified.startsWith('Edm.');
}

const PRIMITIVES: ReadonlySet<string> = new Set(EDM_PRIMITIVES);

export function asPrimitive(qualified: string): EdmPrimitive | undefined {
  return PRIMITIVES.has(qualified) ? (qualified as EdmPrimitive) : undefined;
}
