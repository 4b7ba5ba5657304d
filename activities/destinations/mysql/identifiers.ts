/**
 * Identifiers from metadata and config end up in DDL, where parameters cannot be used. They are
 * validated against a conservative pattern and always backtick-quoted.
 */
const IDENTIFIER = /^[A-Za-z0-9_$]{1,64}$/;

export class InvalidIdentifier extends Error {
  override readonly name = 'InvalidIdentifier';
}

export function checkIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new InvalidIdentifier(
      `${what} ${JSON.stringify(name)} is not a valid MySQL identifier (1–64 of A–Z, a–z, 0–9, _ and $); map it with makeTableName/makeFieldName`,
    );
  }
  return name;
}

export function quoteIdent(name: string, what = 'identifier'): string {
  return `\`${checkIdentifier(name, what)}\``;
}
