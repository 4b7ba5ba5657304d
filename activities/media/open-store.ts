/** The store a resource's media config names (see docs/media.md "Stores"). */
import type { MediaStoreConfig } from '../../config';
import { LocalMediaStore } from './local-store';
import { S3MediaStore } from './s3-store';
import type { MediaStore } from './store';

export function openMediaStore(config: MediaStoreConfig): MediaStore {
  switch (config.type) {
    case 'local':
      return new LocalMediaStore({ root: config.path });
    case 's3':
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
