/**
 * Rows of a resource's child tables (each `expand`, e.g. Media of Property in `PropertyMedia`) in
 * every destination, for `resync status`. The MLS gives no count of children, so these are shown
 * beside their resource without a verdict (as the dashboard does).
 */
import type { ResourceModel } from '../../activities/destinations';
import type { Runtime } from '../../activities/runtime';
import type { Config } from '../../config';

export interface ChildTableCount {
  /** `<Resource><Navigation>`, the name destination hooks receive. */
  resource: string;
  navigation: string;
  destinations: { name: string; table: string | null; count: number | null; error?: string }[];
}

export async function childTableCounts(_config: Config, runtime: Runtime, model: ResourceModel): Promise<ChildTableCount[]> {
  const children = model.children ?? [];
  if (children.length === 0) return [];
  const result: ChildTableCount[] = children.map((c) => ({ resource: c.resource, navigation: c.navigation, destinations: [] }));
  for (const dest of runtime.destinationsFor(model.source)) {
    for (const [i, child] of children.entries()) {
      const entry = result[i]!.destinations;
      if (!dest.countChildren) {
        entry.push({ name: dest.name, table: null, count: null, error: 'this destination does not count child rows' });
        continue;
      }
      try {
        const { store, count } = await dest.countChildren(model, child.navigation);
        entry.push({ name: dest.name, table: store, count });
      } catch (err) {
        entry.push({ name: dest.name, table: null, count: null, error: (err as Error).message });
      }
    }
  }
  return result;
}
