/** The store a resource's media config names (see docs/media.md "Stores"). */
import type { MediaStoreConfig } from '../../config';
import { LocalMediaStore } from './local-store';
import type { MediaStore } from './store';

export async function openMediaStore(config: MediaStoreConfig): Promise<MediaStore> {
  switch (config.type) {
    case 'local':
      return new LocalMediaStore({ root: config.path });
    case 's3': {
      // The S3 SDK costs a worker ~12 MB: loaded only by a config that has an S3 store.
      const { S3MediaStore } = await import('./s3-store');
      return new S3MediaStore({
        bucket: config.bucket,
        region: config.region,
        ...(config.forcePathStyle !== undefined ? { forcePathStyle: config.forcePathStyle } : {}),
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
        ...(config.prefix ? { prefix: config.prefix } : {}),
        ...(config.accessKeyId && config.secretAccessKey
          ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
          : {}),
      });
    }
  }
}
