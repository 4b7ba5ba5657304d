import { bridge } from './bridge';
import { generic } from './generic';
import { mlsgrid } from './mlsgrid';
import type { Platform } from './platform';
import { rmls } from './rmls';
import { spark } from './spark';
import { trestle } from './trestle';
import { utahrealestate } from './utahrealestate';

export type { Platform, RateLimits } from './platform';
export { pageSizeFor } from './platform';

export const PLATFORMS = { generic, trestle, mlsgrid, bridge, spark, utahrealestate, rmls } as const satisfies Record<string, Platform>;
export type PlatformName = keyof typeof PLATFORMS;
export const PLATFORM_NAMES = Object.keys(PLATFORMS) as PlatformName[];

export function platformFor(name: PlatformName): Platform {
  return PLATFORMS[name];
}
