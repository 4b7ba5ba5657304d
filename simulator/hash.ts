/**
 * Tiny, fast, stateless integer hashing. Every generated value is a pure function of
 * (seed, record, field, version), so nothing but compact per-record state is ever stored and a
 * record can be rebuilt identically on any request.
 */

/** Avalanching 32-bit finaliser (xor-shift / multiply rounds). */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** Hash of several integers, order-sensitive. */
export function hash(a: number, b: number, c = 0, d = 0): number {
  let h = mix32(a ^ 0x9e3779b9);
  h = mix32(h ^ (b >>> 0));
  h = mix32(h ^ (c >>> 0) ^ 0x85ebca6b);
  return mix32(h ^ (d >>> 0) ^ 0xc2b2ae35);
}

/** Stable 32-bit hash of a string (field names), so field identity does not depend on field order. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** A uniform float in [0, 1) from a 32-bit hash. */
export function unit(h: number): number {
  return h / 4294967296;
}

/**
 * A small deterministic generator for sequences (e.g. choosing which records a `touch(count)`
 * modifies): successive outputs of one stream are independent hashes.
 */
export class Stream {
  private counter = 0;
  constructor(private readonly seed: number) {}

  next(): number {
    return hash(this.seed, this.counter++, 0x5eed);
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return Math.floor(unit(this.next()) * n);
  }
}
