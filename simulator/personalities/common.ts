/** Pieces several personalities share: default credentials and bearer-token auth. */
import type { AuthStyle, PersonalityOptions } from './types';

/** The token a static-token personality accepts unless told otherwise: `sim-<name>-token`. */
export function defaultToken(name: string): string {
  return `sim-${name}-token`;
}

export function bearer(name: string, options: PersonalityOptions): AuthStyle {
  return { kind: 'bearer', token: options.token ?? defaultToken(name) };
}
