import { describe, expect, it } from 'vitest';
import {
  InvalidPgIdentifier,
  PG_IDENTIFIER_MAX_BYTES,
  PgIdentifierCollision,
  pgIdentifier,
  pgIdentifiers,
  quotePgIdent,
} from '../../activities/destinations/postgres/identifiers';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('PostgreSQL identifiers', () => {
  it('keeps a name that fits in 63 bytes as it is, case and all', () => {
    const name = 'A'.repeat(PG_IDENTIFIER_MAX_BYTES);
    expect(pgIdentifier(name)).toBe(name);
    expect(pgIdentifier('ListPrice')).toBe('ListPrice');
  });

  it('shortens longer names to 63 bytes, the same way every time, and keeps names with a common prefix apart', () => {
    const common = 'PropertyRoomsAndUnitsAndOtherThingsThatMakeAVeryLongFieldName';
    const a = pgIdentifier(`${common}_First`);
    const b = pgIdentifier(`${common}_Second`);
    expect(bytes(a)).toBeLessThanOrEqual(PG_IDENTIFIER_MAX_BYTES);
    expect(bytes(b)).toBeLessThanOrEqual(PG_IDENTIFIER_MAX_BYTES);
    expect(a).not.toBe(b);
    expect(pgIdentifier(`${common}_First`)).toBe(a);
    expect(a.startsWith(common.slice(0, 40))).toBe(true);
  });

  it('counts bytes, not characters, and never splits a multi-byte character', () => {
    const name = 'é'.repeat(40); // 80 bytes in 40 characters
    const identifier = pgIdentifier(name);
    expect(bytes(identifier)).toBeLessThanOrEqual(PG_IDENTIFIER_MAX_BYTES);
    expect(identifier).toMatch(/^é+_[0-9a-f]{8}$/);
  });

  it('refuses empty names and NUL characters', () => {
    expect(() => pgIdentifier('')).toThrow(InvalidPgIdentifier);
    expect(() => pgIdentifier('a\0b')).toThrow(/NUL/);
  });

  it('maps a set of names and reports two that would share one identifier', () => {
    const long = 'X'.repeat(80);
    const map = pgIdentifiers(['Short', long, 'Short']);
    expect(map.get('Short')).toBe('Short');
    expect(map.get(long)).toBe(pgIdentifier(long));
    // A field literally named like another field's shortened form.
    expect(() => pgIdentifiers([long, pgIdentifier(long)], 'column')).toThrow(PgIdentifierCollision);
  });

  it('quotes identifiers, doubling embedded quotes, and refuses what PostgreSQL would cut', () => {
    expect(quotePgIdent('ListPrice')).toBe('"ListPrice"');
    expect(quotePgIdent('a"b')).toBe('"a""b"');
    expect(() => quotePgIdent('x'.repeat(64))).toThrow(/64 bytes/);
  });
});
