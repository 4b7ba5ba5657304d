/**
 * An example resync configuration. Copy it anywhere, edit it, and point resync at it (paths are
 * relative to the folder you type the command in):
 *
 *   npm run resync -- --config ./my.config.ts config check          (in the checkout)
 *   npm --prefix ~/resync run resync -- --config ./my.config.ts config check    (elsewhere)
 *   RESYNC_CONFIG=/etc/resync/my.config.ts node ~/resync/dist/resync.mjs worker   (after npm run build)
 *
 * The file is TypeScript: you get types and completion from defineConfig, and you can compute
 * values. `@resync-mls/resync` is this checkout's own name: resync resolves it to its config API
 * wherever the file lives (no install needed), and never asks a registry for it. Read secrets from
 * the environment — never write them here. resync validates the whole file at load and names every
 * bad key (e.g. `sources.trestle.url: must be an http(s) URL`).
 */
import { defineConfig } from '@resync-mls/resync';

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
          // Optional: navigation properties downloaded with each record ($expand) and kept in child
          // tables named `<Resource><Navigation>` (here PropertyMedia), each row carrying its parent's key
          // in `_resync_parent_key`. A record's children are replaced whenever the record is written.
          // `select` (the child key is always added) is ignored where the platform forbids it (MLS Grid);
          // `top` caps children per record; `purgeWithParent` (default true) deletes them with the record.
          // expand: [{ name: 'Media', select: ['MediaURL', 'Order', 'ModificationTimestamp'], top: 100 }],
        },
      ],

      // Which destinations this source writes to. The first one holds the high-water mark the next
      // sync starts from. With one destination it may be left out; once `destinations` below has
      // more than one, every source must list its own (a new destination is never written to unasked).
      // destinations: ['main'],

      // Per-request timeout in milliseconds.
      // requestTimeoutMs: 60000,

      // Temporal Schedules, one per process with a cron (minute hour day-of-month month day-of-week).
      // `npm run resync -- schedules apply` creates or updates them; see docs/schedules.md.
      // schedules: {
      //   sync: '*/15 * * * *', // every 15 minutes
      //   purge: '30 3 * * *', // nightly at 03:30
      //   reconcile: '0 4 * * SUN', // Sundays at 04:00
      //   timeZone: 'UTC', // the zone the crons are read in
      //   catchupWindow: '10m', // a run missed while Temporal was down still starts if ≤ 10 min late
      //   pauseAfterFailures: 3, // pause the schedule and alert after 3 failed runs in a row
      // },
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
      // Reshape every record before it is written here (expanded children too: `resource` is then
      // e.g. PropertyMedia and `parent` the record they came with). Return null to skip a record.
      // MLS Grid's Media rows do not name their listing, so copy the parent's key in:
      // transform: (resource, record, { parent }) => (parent ? { ...record, ResourceRecordKey: parent.ListingKey } : record),
      // Keys as stored here vs. as the MLS sends them, e.g. without MLS Grid's prefix. Applied to the
      // key column of every table (and to _resync_parent_key) on write and delete.
      // keyMapping: { toDestination: (key) => key.replace(/^ACT/, ''), toMls: (key) => `ACT${key}` },
    },
  },

  // The control database: run history (resync_runs) and rejected records (resync_rejects).
  // It may share a server with a destination.
  control: { url: process.env.RESYNC_CONTROL_URL ?? 'mysql://root@127.0.0.1:3407/resync' },

  // Temporal connection (defaults shown). uiUrl is only used for links.
  temporal: {
    address: '127.0.0.1:7233',
    namespace: 'default',
    // Default: `resync-` and the source names (here resync-demo), so workers of configs with other
    // sources never take this config's tasks. Pin a name only if every config using it is this one.
    // taskQueue: 'resync-demo',
    uiUrl: 'http://127.0.0.1:8233',
  },

  // Logs: ndjson, worker.log plus one file per source. `npm run logs -- demo` pretty-prints.
  logging: { level: 'info', dir: 'logs' },

  // The worker keeps its heap within this many percent of what is live (V8 alone allows up to 300%),
  // except while sync chunks run. 0 leaves V8's heuristic alone. See docs/configuration.md#worker-memory.
  worker: { heapGrowthPercent: 20, syncHeapGrowthPercent: 60 },

  // Where alerts go when a scheduled process keeps failing (and when it recovers). Webhook and SMTP
  // URLs usually carry secrets: read them from the environment.
  // alerts: {
  //   webhooks: [{ url: process.env.SLACK_WEBHOOK_URL!, format: 'slack' }], // or format: 'json'
  //   email: { smtpUrl: process.env.SMTP_URL!, from: 'resync@example.com', to: ['ops@example.com'] },
  // },
});
