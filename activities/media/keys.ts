/**
 * What a media object key may look like, checked the same way by every store before it touches
 * anything: a relative path of plain segments (`Property/L000000001/M1.png`). A key that could
 * climb out of the store's root (`..`, an absolute path), hide from listings (our own reserved
 * names) or fail on S3 (over 1,024 bytes) is refused with the key named, never normalised.
 */

/** S3's own limit on a key, in UTF-8 bytes; the local store keeps to it too so keys move between stores. */
export const MAX_KEY_BYTES = 1024;
/** File names the local store uses for its temp files and checksum sidecars; keys may not use them. */
export const RESERVED_NAME_PREFIX = '.resync-';

export class InvalidMediaKeyError extends Error {
  override readonly name = 'InvalidMediaKeyError';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`invalid media key ${JSON.stringify(key.length > 200 ? `${key.slice(0, 200)}…` : key)}: ${reason}`);
  }
}

/** Why `key` (or, with `allowTrailingSlash`, a listing prefix) is not acceptable; undefined when it is. */
function problemWith(key: string, options: { prefix: boolean }): string | undefined {
  if (key === '') return options.prefix ? undefined : 'it is empty';
  if (key.includes('\0')) return 'it contains a NUL character';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'it contains a control character';
  if (key.includes('\\')) return 'it contains a backslash (use / between segments)';
  if (key.startsWith('/')) return 'it is an absolute path (keys are relative to the store)';
  if (/^[A-Za-z]:/.test(key)) return 'it starts with a drive letter';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `it is longer than ${MAX_KEY_BYTES} bytes`;
  const segments = key.split('/');
  // A prefix may end with '/' (all keys in a folder); the last, possibly partial, segment may be empty.
  const whole = options.prefix ? segments.slice(0, -1) : segments;
  for (const segment of whole) {
    if (segment === '') return 'it has an empty segment (// or a trailing /)';
    if (segment === '.' || segment === '..') return `it has a "${segment}" segment`;
    if (segment.startsWith(RESERVED_NAME_PREFIX))
      return `a segment starts with "${RESERVED_NAME_PREFIX}", reserved for the store's own files`;
  }
  const last = segments.at(-1) ?? '';
  if (options.prefix && (last === '..' || last.startsWith(RESERVED_NAME_PREFIX))) return `it ends in "${last}"`;
  return undefined;
}

/** Throws InvalidMediaKeyError unless `key` is a valid object key. */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string') throw new InvalidMediaKeyError(String(key), 'it is not a string');
  const problem = problemWith(key, { prefix: false });
  if (problem) throw new InvalidMediaKeyError(key, problem);
}

/** Throws InvalidMediaKeyError unless `prefix` is a valid listing prefix ('' lists everything). */
export function assertValidPrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw new InvalidMediaKeyError(String(prefix), 'the prefix is not a string');
  const problem = problemWith(prefix, { prefix: true });
  if (problem) throw new InvalidMediaKeyError(prefix, problem);
}

/** Byte order of the UTF-8 encodings (S3's listing order), which JavaScript's `<` on UTF-16 is not. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A short-body (or over-long) upload: fewer or more bytes arrived than the sender announced. */
export class MediaSizeMismatchError extends Error {
  override readonly name = 'MediaSizeMismatchError';
  constructor(
    readonly key: string,
    readonly expectedSize: number,
    readonly receivedSize: number,
  ) {
    super(`media ${key}: expected ${expectedSize} bytes, received ${receivedSize}; nothing was stored`);
  }
}
