/**
 * The `$expand` option string, and the config of expansions and destination hooks.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config';
import { buildResourceUrl, expandOption } from '../../activities/source/query';

describe('$expand option', () => {
  it('names a navigation property bare when nothing is asked inside it', () => {
    expect(expandOption([{ name: 'Media' }], { selectInside: true })).toBe('Media');
  });

  it('puts $select and $top inside, separated by semicolons, with the child key always selected', () => {
    expect(expandOption([{ name: 'Media', select: ['MediaURL', 'Order'], top: 20, keyField: 'MediaKey' }], { selectInside: true })).toBe(
      'Media($select=MediaKey,MediaURL,Order;$top=20)',
    );
    // A key the user listed already is not listed twice.
    expect(expandOption([{ name: 'Media', select: ['MediaURL', 'MediaKey'], keyField: 'MediaKey' }], { selectInside: true })).toBe(
      'Media($select=MediaKey,MediaURL)',
    );
  });

  it('leaves $select out where the platform refuses it inside $expand (MLS Grid), keeping $top', () => {
    expect(expandOption([{ name: 'Media', select: ['MediaURL'], top: 5, keyField: 'MediaKey' }], { selectInside: false })).toBe(
      'Media($top=5)',
    );
    expect(expandOption([{ name: 'Media', select: ['MediaURL'], keyField: 'MediaKey' }], { selectInside: false })).toBe('Media');
  });

  it('joins several navigation properties with commas, and is absent when there are none', () => {
    expect(expandOption([{ name: 'Media', top: 3 }, { name: 'Rooms' }], { selectInside: true })).toBe('Media($top=3),Rooms');
    expect(expandOption([], { selectInside: true })).toBeUndefined();
  });

  it('travels percent-encoded in the request URL and decodes back to itself', () => {
    const expand = 'Media($select=MediaKey,MediaURL;$top=20)';
    const url = new URL(buildResourceUrl('http://h/odata', 'Property', { expand, top: 100 }));
    expect(url.searchParams.get('$expand')).toBe(expand);
    expect(url.search).not.toContain(';');
  });
});

const valid = {
  sources: { demo: { url: 'http://127.0.0.1:1/odata', resources: [{ name: 'Property' }] } },
  destinations: { main: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/mls' } },
  control: { url: 'mysql://root@127.0.0.1:3306/resync' },
};

function withResource(resource: Record<string, unknown>) {
  return { ...valid, sources: { demo: { ...valid.sources.demo, resources: [{ name: 'Property', ...resource }] } } };
}

function withDestination(extra: Record<string, unknown>) {
  return { ...valid, destinations: { main: { ...valid.destinations.main, ...extra } } };
}

function problems(value: unknown): string[] {
  try {
    parseConfig(value);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config: expand and destination hooks', () => {
  it('defaults purgeWithParent to true', () => {
    const c = parseConfig(withResource({ expand: [{ name: 'Media', top: 10 }] }));
    expect(c.sources.demo!.resources[0]!.expand).toEqual([{ name: 'Media', top: 10, purgeWithParent: true }]);
  });

  it('names bad expand entries by their path', () => {
    expect(problems(withResource({ expand: [{ name: 'Media($top=5)' }] }))).toEqual([
      'sources.demo.resources.0.expand.0.name: must be a navigation property name such as Media',
    ]);
    expect(problems(withResource({ expand: [{ name: 'Media', top: 0 }] }))).toEqual([
      expect.stringMatching(/^sources\.demo\.resources\.0\.expand\.0\.top: /),
    ]);
    expect(problems(withResource({ expand: [{ name: 'Media', selct: ['A'] }] }))).toEqual([
      'sources.demo.resources.0.expand.0.selct: unknown key',
    ]);
    expect(problems(withResource({ expand: [] }))).toEqual([
      expect.stringMatching(/^sources\.demo\.resources\.0\.expand: needs at least one/),
    ]);
    expect(problems(withResource({ expand: [{ name: 'Media' }, { name: 'Media', top: 3 }] }))).toEqual([
      'sources.demo.resources.0.expand.1.name: navigation property "Media" is listed twice',
    ]);
  });

  it('accepts transform and keyMapping functions and refuses anything else', () => {
    const c = parseConfig(
      withDestination({
        transform: (_r: string, rec: Record<string, unknown>) => rec,
        keyMapping: { toDestination: (k: string) => k, toMls: (k: string) => k },
      }),
    );
    expect(typeof c.destinations.main!.transform).toBe('function');
    expect(problems(withDestination({ transform: 'strip' }))).toEqual([
      expect.stringMatching(/^destinations\.main\.transform: must be a function/),
    ]);
    expect(problems(withDestination({ keyMapping: { toDestination: (k: string) => k } }))).toEqual([
      expect.stringMatching(/^destinations\.main\.keyMapping\.toMls: must be a function/),
    ]);
  });
});
