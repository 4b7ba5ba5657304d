/** Personalities by name, how options and server overrides shape them, and replication rules. */
import { createBridge } from './bridge';
import { createGeneric } from './generic';
import { createMlsGrid } from './mlsgrid';
import { createRmls } from './rmls';
import { createSpark } from './spark';
import { createTrestle } from './trestle';
import type { Personality, PersonalityOptions } from './types';
import { createUtahRealEstate } from './utahrealestate';

export const PERSONALITIES = {
  generic: createGeneric,
  trestle: createTrestle,
  mlsgrid: createMlsGrid,
  bridge: createBridge,
  spark: createSpark,
  utahrealestate: createUtahRealEstate,
  rmls: createRmls,
} as const satisfies Record<string, (options: PersonalityOptions) => Personality>;

export type PersonalityName = keyof typeof PERSONALITIES;
export const PERSONALITY_NAMES = Object.keys(PERSONALITIES) as PersonalityName[];

export interface PersonalityOverrides {
  pageSize?: number;
  maxTop?: number;
}

export function resolvePersonality(
  choice: PersonalityName | Personality | undefined,
  overrides: PersonalityOverrides = {},
  options: PersonalityOptions = {},
): Personality {
  const name = choice ?? 'generic';
  if (typeof name === 'string' && !Object.hasOwn(PERSONALITIES, name)) throw new Error(`unknown simulator personality: ${name}`);
  const base = typeof name === 'object' ? name : PERSONALITIES[name](options);
  const resolved: Personality = { ...base };
  if (overrides.pageSize !== undefined) {
    resolved.defaultPageSize = overrides.pageSize;
    resolved.maxPageSize = Math.max(resolved.maxPageSize, overrides.pageSize);
  }
  if (overrides.maxTop !== undefined) resolved.maxTop = overrides.maxTop;
  if (options.mediaUrlTtlMs !== undefined) {
    if (!(Number.isInteger(options.mediaUrlTtlMs) && options.mediaUrlTtlMs > 0)) {
      throw new Error(`mediaUrlTtlMs must be a positive whole number of milliseconds, got ${options.mediaUrlTtlMs}`);
    }
    resolved.media = { ...resolved.media, urlTtlMs: options.mediaUrlTtlMs };
  }
  return resolved;
}

/** The rules in force for one request: the replication endpoint's where they differ. */
export function rulesFor(personality: Personality, replication: boolean): Personality {
  return replication && personality.replication ? { ...personality, ...personality.replication.rules } : personality;
}
