/** Personalities by name, and the server options that override their data. */
import { generic } from './generic';
import type { Personality } from './types';

export const PERSONALITIES = { generic } as const;

export type PersonalityName = keyof typeof PERSONALITIES;

export interface PersonalityOverrides {
  pageSize?: number;
  maxTop?: number;
}

export function resolvePersonality(choice: PersonalityName | Personality | undefined, overrides: PersonalityOverrides = {}): Personality {
  const base = typeof choice === 'object' ? choice : PERSONALITIES[choice ?? 'generic'];
  if (!base) throw new Error(`unknown simulator personality: ${String(choice)}`);
  const resolved: Personality = { ...base };
  if (overrides.pageSize !== undefined) {
    resolved.defaultPageSize = overrides.pageSize;
    resolved.maxPageSize = Math.max(resolved.maxPageSize, overrides.pageSize);
  }
  if (overrides.maxTop !== undefined) resolved.maxTop = overrides.maxTop;
  return resolved;
}
