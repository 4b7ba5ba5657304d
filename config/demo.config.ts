/**
 * The demo configuration `npm start` uses: the local simulator as the MLS and the project-local
 * MariaDB that `npm run setup` starts. Copy config/config.example.ts to write your own.
 */
import { defineConfig } from './define';
import { withDatabase } from './load';
import { DEFAULT_MYSQL_SERVER_URL, DEFAULT_SIMULATOR_URL } from './defaults';

const mysqlServer = process.env.RESYNC_MYSQL_URL ?? DEFAULT_MYSQL_SERVER_URL;

export default defineConfig({
  sources: {
    demo: {
      platform: 'generic',
      url: process.env.RESYNC_SIMULATOR_URL ?? DEFAULT_SIMULATOR_URL,
      auth: { type: 'none' },
      resources: [{ name: 'Property' }],
    },
  },
  destinations: {
    main: { type: 'mysql', url: withDatabase(mysqlServer, 'resync_demo') },
  },
  control: { url: withDatabase(mysqlServer, 'resync') },
  temporal: { address: process.env.RESYNC_TEMPORAL_ADDRESS ?? '127.0.0.1:7233' },
});
