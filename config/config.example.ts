/**
 * An example resync configuration. Copy it, edit it, and point resync at it:
 *
 *   npx resync --config ./my.config.ts config check
 *   RESYNC_CONFIG=./my.config.ts npx resync worker
 *
 * The file is TypeScript: you get types and completion from defineConfig, and you can compute
 * values. Read secrets from the environment — never write them here. resync validates the whole
 * file at load and names every bad key (e.g. `sources.trestle.url: must be an http(s) URL`).
 */
import { defineConfig } from './define';

export default defineConfig({
  // One entry per MLS connection. The key ("demo") is the source's name in commands, workflow IDs
  // (sync/demo/Property), logs (logs/demo.log) and search attributes (ResyncSource = "demo").
  sources: {
    demo: {
      // Which platform's rules to follow. `generic`: a standard RESO Web API server.
      platform: 'generic',
      // Service root: resync requests `${url}/$metadata` and `${url}/<Resource>?…`.
      url: 'http://127.0.0.1:8089/odata',
      // `none`, `bearer` (token) or `oauth2` (client credentials; the token is cached and
      // refreshed before it expires and once more after a 401).
      auth: { type: 'none' },
      // auth: { type: 'bearer', token: process.env.MLS_TOKEN! },
      // auth: {
      //   type: 'oauth2',
      //   tokenUrl: 'https://auth.example.com/oauth2/token',
      //   clientId: process.env.MLS_CLIENT_ID!,
      //   clientSecret: process.env.MLS_CLIENT_SECRET!,
      //   scope: 'api',
      // },

      // Resources to replicate, in this order.
      resources: [
        {
          name: 'Property',
          // Optional: only part of the resource. ANDed with the time window (in parentheses, so
          // an `or` here cannot widen it). Quote string literals with ' and double any ' inside.
          // filter: "StandardStatus eq 'Active' or StandardStatus eq 'Pending'",
          // Optional: only these fields (the key and the cursor field are always added).
          // select: ['ListPrice', 'StandardStatus', 'City'],
          // The timestamp that drives incremental sync (default ModificationTimestamp).
          // cursorField: 'ModificationTimestamp',
          // Records per request, capped by the platform (generic: 1000; default 500).
          // pageSize: 500,
        },
      ],

      // Which destinations this source writes to (default: all). The first one holds the
      // high-water mark the next sync starts from.
      // destinations: ['main'],

      // Per-request timeout in milliseconds.
      // requestTimeoutMs: 60000,
    },
  },

  // Where records go. Every page is written to each destination in one transaction.
  destinations: {
    main: {
      type: 'mysql',
      // The database is created if it does not exist; tables are created and migrated from
      // $metadata (new fields become new columns; nothing is dropped).
      url: process.env.MLS_MYSQL_URL ?? 'mysql://root@127.0.0.1:3407/resync_demo',
      // Set to false to manage tables yourself (they must then exist with matching columns).
      // manageSchema: true,
      // Table and column names. Default: the resource and field names as they are.
      // makeTableName: (source, resource) => `${source}_${resource}`.toLowerCase(),
      // makeFieldName: (resource, field) => field,
    },
  },

  // The control database: run history (resync_runs) and rejected records (resync_rejects).
  // It may share a server with a destination.
  control: { url: process.env.RESYNC_CONTROL_URL ?? 'mysql://root@127.0.0.1:3407/resync' },

  // Temporal connection (defaults shown). uiUrl is only used for links.
  temporal: {
    address: '127.0.0.1:7233',
    namespace: 'default',
    taskQueue: 'resync',
    uiUrl: 'http://127.0.0.1:8233',
  },

  // Logs: ndjson, worker.log plus one file per source. `npm run logs -- demo` pretty-prints.
  logging: { level: 'info', dir: 'logs' },
});
