/**
 * `resync config check`: a resource that downloads media files needs, among its source's
 * destinations, one that can record them (the files-ledger capability, `Destination.mediaFiles`).
 * Asked of the destinations themselves, built from the config without connecting to anything.
 */
import type { Config } from '../../config';
import { createDestination, type Destination } from '../destinations';
import { noLedgerProblem } from './ledgers';

/** One line per media resource whose destinations cannot record its files, `path: what is wrong`. */
export async function mediaDestinationProblems(config: Config): Promise<string[]> {
  const problems: string[] = [];
  const built = new Map<string, Destination>();
  const destination = (name: string): Destination[] => {
    const settings = config.destinations[name];
    if (!settings) return [];
    let dest = built.get(name);
    if (!dest) {
      dest = createDestination(name, settings);
      built.set(name, dest);
    }
    return [dest];
  };
  try {
    for (const [name, source] of Object.entries(config.sources)) {
      const destinations = (source.destinations ?? Object.keys(config.destinations)).flatMap(destination);
      source.resources.forEach((resource, i) => {
        if (!resource.media) return;
        const problem = noLedgerProblem(name, resource.name, destinations);
        if (problem) problems.push(`sources.${name}.resources.${i}.media: ${problem}`);
      });
    }
  } finally {
    await Promise.all([...built.values()].map((d) => d.close().catch(() => undefined)));
  }
  return problems;
}
