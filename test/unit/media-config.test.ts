import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config';
import { extensionFor, keySegment, mediaObjectKey } from '../../activities/media/object-key';
import { mediaRequestHeaders } from '../../activities/media/fetch-file';
import { platformFor } from '../../activities/source/platforms';

const base = (resource: Record<string, unknown>) => ({
  sources: { demo: { url: 'http://127.0.0.1:1/odata', resources: [{ name: 'Property', ...resource }] } },
  destinations: { main: { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/mls' } },
  control: { url: 'mysql://root@127.0.0.1:3306/resync' },
});

function problems(value: unknown): string[] {
  try {
    parseConfig(value);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('media config', () => {
  it('applies the defaults to a local store on a resource that expands Media', () => {
    const c = parseConfig(base({ expand: [{ name: 'Media' }], media: { store: { type: 'local', path: 'media' } } }));
    expect(c.sources.demo!.resources[0]!.media).toEqual({
      store: { type: 'local', path: 'media' },
      navigation: 'Media',
      concurrency: 4,
      batchSize: 200,
      maxAttempts: 5,
      requestTimeoutMs: 120_000,
    });
  });

  it('names the key of a bad store and a resource that does not expand Media', () => {
    expect(problems(base({ expand: [{ name: 'Media' }], media: { store: { type: 's3', region: 'us-east-1' } } }))).toEqual([
      'sources.demo.resources.0.media.store.bucket: is required',
    ]);
    expect(problems(base({ media: { store: { type: 'local', path: 'media' } } }))).toEqual([
      "sources.demo.resources.0.media: needs the resource to expand Media (add expand: [{ name: 'Media' }]) or to be the Media resource itself",
    ]);
    expect(problems(base({ expand: [{ name: 'Media' }], media: { store: { type: 'ftp' } } }))[0]).toMatch(
      /^sources\.demo\.resources\.0\.media\.store/,
    );
  });
});

describe('media object keys and requests', () => {
  it('escapes key parts so no MLS key leaves its folder', () => {
    expect(keySegment('..')).toBe('~2e.');
    expect(keySegment('a/b')).toBe('a~2fb');
    expect(keySegment('.resync-x')).toBe('~2eresync-x');
    expect(mediaObjectKey('Property', 'L1', 'L1-M1', extensionFor('image/jpeg; q=1', 'http://x/1.png'))).toBe('Property/L1/L1-M1.jpg');
    expect(extensionFor(null, 'http://x/a/1.PNG?v=2')).toBe('png');
  });

  it('sends MLS Grid its token as the User-Agent, and credentials only to the API’s own origin', () => {
    const o = { platform: platformFor('mlsgrid'), authorization: 'Bearer tok', serviceRoot: 'https://api.mlsgrid.com/v2' };
    expect(mediaRequestHeaders('https://media.mlsgrid.com/a.jpg', o)).toEqual({ accept: 'image/*, */*', 'user-agent': 'tok' });
    expect(mediaRequestHeaders('https://media.example.com/a.jpg', { ...o, platform: platformFor('trestle') })).toEqual({
      accept: 'image/*, */*',
    });
    expect(mediaRequestHeaders('https://api.mlsgrid.com/media/a.jpg', o).authorization).toBe('Bearer tok');
  });
});
