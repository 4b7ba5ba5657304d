/** The store a resource's media config names (see docs/media.md "Stores"). */
import type { MediaStoreConfig } from '../../config';
import { LocalMediaStore } from './local-store';
import type { MediaStore } from './store';
import { MediaUnsupported } from './errors';

export function openMediaStore(config: MediaStoreConfig): MediaStore {
  switch (config.type) {
    case 'local':
      return new LocalMediaStore({ root: config.path });
    case 's3':
      throw new MediaUnsupported('the S3 media store is not available in this build');
  }
}
