import type { SourceConfig } from '../../../config';
import { generic } from './generic';
import type { Platform } from './platform';

export type { Platform } from './platform';

const PLATFORMS: Record<SourceConfig['platform'], Platform> = { generic };

export function platformFor(name: SourceConfig['platform']): Platform {
  return PLATFORMS[name];
}
