/**
 * PostgreSQL identifiers for names that come from `$metadata` and config hooks.
 *
 * PostgreSQL keeps at most 63 bytes of an identifier (NAMEDATALEN - 1) and silently cuts longer
 * ones, with only a NOTICE: two long field names sharing their first 63 bytes would become the
 * same column, and `CREATE TABLE` would fail or, worse, a later lookup by the full name would miss.
 * So a name that does not fit is shortened here, deterministically (the same name always gives the
 * same identifier, on every run and every worker), and a hash of the full name keeps shortened
 * names apart. The schema code records each name → identifier pair in its registry.
 *
 * Identifiers are always double-quoted, so any character is allowed except NUL, and case is kept.
 */
import { createHash } from 'node:crypto';

/** NAMEDATALEN - 1 in a stock PostgreSQL build. */
export const PG_IDENTIFIER_MAX_BYTES = 63;
/** `_` and 8 hex digits of SHA-256: 32 bits keep a few thousand shortened names apart. */
const HASH_SUFFIX_BYTES = 9;

export class InvalidPgIdentifier extends Error {
  override readonly name = 'InvalidPgIdentifier';
}

/** Two different names that would share one identifier (never silently merged). */
export class PgIdentifierCollision extends Error {
  override readonly name = 'PgIdentifierCollision';
}

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8 without splitting a character. */
function prefixWithinBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = byteLength(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

function checkName(name: string, what: string): void {
  if (name.length === 0) throw new InvalidPgIdentifier(`${what} is empty; map it with makeTableName/makeFieldName`);
  if (name.includes('\0'))
    throw new InvalidPgIdentifier(`${what} ${JSON.stringify(name)} contains a NUL character, which PostgreSQL refuses`);
}

/**
 * The identifier PostgreSQL will keep for `name`: `name` itself when it fits in 63 bytes, else
 * its first bytes (whole characters) followed by `_` and 8 hex digits of the full name's SHA-256.
 */
export function pgIdentifier(name: string, what = 'identifier'): string {
  checkName(name, what);
  if (byteLength(name) <= PG_IDENTIFIER_MAX_BYTES) return name;
  const hash = createHash('sha256')
    .update(name, 'utf8')
    .digest('hex')
    .slice(0, HASH_SUFFIX_BYTES - 1);
  return `${prefixWithinBytes(name, PG_IDENTIFIER_MAX_BYTES - HASH_SUFFIX_BYTES)}_${hash}`;
}

/**
 * Identifiers for a set of names that must stay distinct (the columns of one table, the tables
 * of one schema). Throws when two names would end up as one identifier, e.g. a field literally
 * named like another field's shortened form.
 */
export function pgIdentifiers(names: readonly string[], what = 'identifier'): Map<string, string> {
  const byName = new Map<string, string>();
  const owner = new Map<string, string>();
  for (const name of names) {
    if (byName.has(name)) continue;
    const identifier = pgIdentifier(name, what);
    const other = owner.get(identifier);
    if (other !== undefined) {
      throw new PgIdentifierCollision(
        `${what}s ${JSON.stringify(other)} and ${JSON.stringify(name)} would both be stored as ${JSON.stringify(identifier)}; map one of them with makeTableName/makeFieldName`,
      );
    }
    owner.set(identifier, name);
    byName.set(name, identifier);
  }
  return byName;
}

/** `"name"`, with embedded quotes doubled; refuses what PostgreSQL would cut or refuse. */
export function quotePgIdent(identifier: string, what = 'identifier'): string {
  checkName(identifier, what);
  if (byteLength(identifier) > PG_IDENTIFIER_MAX_BYTES) {
    throw new InvalidPgIdentifier(
      `${what} ${JSON.stringify(identifier)} is ${byteLength(identifier)} bytes; PostgreSQL keeps ${PG_IDENTIFIER_MAX_BYTES} (use pgIdentifier)`,
    );
  }
  return `"${identifier.replace(/"/g, '""')}"`;
}
