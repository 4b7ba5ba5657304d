/**
 * The configuration model, validated at load with zod. Every default lives here, in one place.
 * Objects are strict: an unknown key is an error that names it (a typo must not be silently ignored).
 */
import { z } from 'zod';
import { PLATFORM_NAMES, type PlatformName } from '../activities/source/platforms';
import { alertsSchema } from './alerts';
import { schedulesSchema } from './schedules';
import { defaultTaskQueue } from './task-queue';

const identifier = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must start with a letter and contain only letters, digits, _ and -');

const mysqlUrl = z.string({ error: 'is required (a mysql:// URL)' }).refine((v) => /^mysql:\/\/[^/]+\/[A-Za-z0-9_$]+(\?.*)?$/.test(v), {
  message: 'must be a mysql:// URL that names a database, e.g. mysql://user:pass@127.0.0.1:3306/mls',
});

const pgUrl = z.string({ error: 'is required (a postgres:// URL)' }).refine((v) => /^postgres(ql)?:\/\/[^/?#]+\/[^/?#]+(\?.*)?$/.test(v), {
  message: 'must be a postgres:// URL that names a database, e.g. postgres://user:pass@127.0.0.1:5432/mls',
});

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const fn = <T extends (...args: never[]) => unknown>(what: string) =>
  z.custom<T>((v) => typeof v === 'function', { message: `must be a function (${what})` });

export const authSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('bearer'),
    token: z.string({ error: 'is required (read it from the environment, e.g. process.env.MLS_TOKEN)' }).min(1),
  }),
  z.strictObject({
    type: z.literal('oauth2'),
    tokenUrl: httpUrl,
    clientId: z.string({ error: 'is required' }).min(1),
    clientSecret: z.string({ error: 'is required (read it from the environment)' }).min(1),
    scope: z.string().default('api'),
  }),
]);

/** One `$expand` item: a navigation property of the resource, written to its own child table. */
export const expandSchema = z.strictObject({
  /** NavigationProperty name as in $metadata, e.g. Media, Rooms, OpenHouse. */
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a navigation property name such as Media'),
  /** Fields of the child to download (its key is always added). Ignored where the platform forbids `$select` inside `$expand`. */
  select: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a field name'))
    .min(1)
    .optional(),
  /** At most this many children per record (`$top` inside the expand). */
  top: z.number().int().positive().optional(),
  /** Delete the children when the parent is deleted (MLS Grid deletes now, purge later). */
  purgeWithParent: z.boolean().default(true),
});

/** Where downloaded media files are kept (see docs/media.md). */
export const mediaStoreSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('local'),
      /** Folder the files go under (created when missing); relative paths are relative to the working directory. */
      path: z.string({ error: 'is required (a folder for the files)' }).min(1, 'must name a folder'),
    }),
    z.strictObject({
      type: z.literal('s3'),
      /** An S3-compatible endpoint (MinIO, R2, …); leave out for AWS S3. */
      endpoint: httpUrl.optional(),
      region: z.string({ error: 'is required (e.g. us-east-1)' }).min(1),
      bucket: z.string({ error: 'is required' }).regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
      /** Prepended to every object key, e.g. "mls/". */
      prefix: z.string().optional(),
      /** Read them from the environment; left out, the AWS SDK's default chain applies. */
      accessKeyId: z.string().min(1, 'must not be empty (read it from the environment)').optional(),
      secretAccessKey: z.string().min(1, 'must not be empty (read it from the environment)').optional(),
      /** Path-style URLs (most S3-compatible servers need them; default true with an endpoint). */
      forcePathStyle: z.boolean().optional(),
    }),
  ],
  { error: 'must be { type: "local", path } or { type: "s3", region, bucket, … }' },
);

/** Defaults of media downloads (one place). */
export const MEDIA_DEFAULTS = { navigation: 'Media', concurrency: 4, batchSize: 200, maxAttempts: 5, requestTimeoutMs: 120_000 };

/**
 * Downloading the media files themselves: on a resource that expands Media (the files of its
 * children), or on the Media resource itself.
 */
export const mediaSchema = z.strictObject({
  store: mediaStoreSchema,
  /** The expanded navigation property whose rows are media (ignored on the Media resource itself). */
  navigation: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a navigation property name such as Media')
    .default(MEDIA_DEFAULTS.navigation),
  /** Files downloaded at the same time, per worker and resource. */
  concurrency: z.number().int().positive().max(64).default(MEDIA_DEFAULTS.concurrency),
  /** Files per download activity (each activity heartbeats and returns a cursor). */
  batchSize: z.number().int().positive().max(5000).default(MEDIA_DEFAULTS.batchSize),
  /** A file that failed this many runs in a row is left alone until its Media row changes. */
  maxAttempts: z.number().int().positive().max(100).default(MEDIA_DEFAULTS.maxAttempts),
  /** Timeout of one file download. */
  requestTimeoutMs: z.number().int().positive().default(MEDIA_DEFAULTS.requestTimeoutMs),
  /**
   * A media quota of its own (Trestle meters media apart from API requests). Left out, media
   * requests draw from the source's request budget, as MLS Grid counts them.
   */
  rateLimits: z
    .strictObject({
      perSecond: z.number().positive().optional(),
      perMinute: z.number().positive().optional(),
      perHour: z.number().positive().optional(),
      perDay: z.number().positive().optional(),
      bytesPerHour: z.number().positive().optional(),
    })
    .optional(),
});

/**
 * Purge's limits when a resource sets none. 5% of a table is far more than an MLS removes between
 * two purges, and far less than a broken download would; 10,000 rows caps the damage on the
 * largest tables, where 5% would be tens of thousands.
 */
export const PURGE_DEFAULTS = { maxDeletes: 10_000, maxDeletePercent: 5, deleteBatchSize: 1000 };

export const resourceSchema = z.strictObject({
  /** Resource name as in the URL, e.g. Property. */
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be an OData resource name such as Property'),
  /** An OData $filter ANDed with the timestamp window, e.g. "StandardStatus eq 'Active'". */
  filter: z.string().min(1).optional(),
  /** Fields to download; keys and cursor fields are always added. Default: every field. */
  select: z.array(z.string().min(1)).min(1).optional(),
  /** Field used as the replication cursor. */
  cursorField: z.string().default('ModificationTimestamp'),
  /** Records per request; capped by the platform (and by its `$expand` cap when `expand` is set). */
  pageSize: z.number().int().positive().optional(),
  /** Navigation properties downloaded inline with each record and kept in child tables (e.g. Media). */
  expand: z.array(expandSchema).min(1, 'needs at least one navigation property (or leave expand out)').optional(),
  /** Guards of purge: it refuses to delete more than this (see docs/purge-reconcile.md). */
  purge: z
    .strictObject({
      /** Most rows one purge may delete from one destination. */
      maxDeletes: z.number().int().nonnegative().default(PURGE_DEFAULTS.maxDeletes),
      /** Most rows one purge may delete, as a percentage of the destination's rows. */
      maxDeletePercent: z.number().min(0).max(100).default(PURGE_DEFAULTS.maxDeletePercent),
      /** Parent rows per delete transaction (their purgeWithParent children go in the same one). */
      deleteBatchSize: z.number().int().positive().max(10_000).default(PURGE_DEFAULTS.deleteBatchSize),
    })
    .default(PURGE_DEFAULTS),
  /** Download the media files of this resource's Media rows (see docs/media.md). */
  media: mediaSchema.optional(),
});

export const sourceSchema = z.strictObject({
  /** Whose rules to follow: paging, caps, required filters, deletes, rate limits. */
  platform: z.enum(PLATFORM_NAMES as [PlatformName, ...PlatformName[]]).default('generic'),
  /** MLS Grid: the `OriginatingSystemName` every request must filter on (e.g. "actris"). */
  originatingSystemName: z.string().min(1).optional(),
  /** Overrides of the platform's rate limits (requests per second/minute/hour/day, bytes per hour). */
  rateLimits: z
    .strictObject({
      perSecond: z.number().positive().optional(),
      perMinute: z.number().positive().optional(),
      perHour: z.number().positive().optional(),
      perDay: z.number().positive().optional(),
      bytesPerHour: z.number().positive().optional(),
    })
    .optional(),
  /** Service root of the RESO Web API, e.g. https://api.example.com/odata */
  url: httpUrl,
  auth: authSchema.default({ type: 'none' }),
  resources: z.array(resourceSchema).min(1, 'needs at least one resource'),
  /**
   * Names of destinations (keys of `destinations`) this source writes to. Required once the config
   * has more than one destination, so adding a destination never makes an existing source start
   * writing to it unasked; with a single destination it defaults to that one.
   */
  destinations: z.array(identifier).min(1).optional(),
  /** Per-request timeout. */
  requestTimeoutMs: z.number().int().positive().default(60_000),
  /** Temporal Schedules for this source (applied by `resync schedules apply`) and its failure policy. */
  schedules: schedulesSchema.optional(),
});

export const mysqlDestinationSchema = z.strictObject({
  type: z.literal('mysql'),
  url: mysqlUrl,
  /** Create and migrate tables from $metadata (default). Off: the tables must exist. */
  manageSchema: z.boolean().default(true),
  /**
   * Insert pages into a table that was empty when this worker first wrote to it (an initial load)
   * with LOAD DATA LOCAL INFILE, falling back to the upsert for any page that holds a stored key
   * (default). Off: always upsert. A server that refuses LOCAL INFILE is detected and upserted to.
   */
  bulkLoad: z.boolean().optional(),
  /** (source, resource) → table name. Default: the resource name. */
  makeTableName: fn<(source: string, resource: string) => string>('(source, resource) => string').optional(),
  /** (resource, field) → column name. Default: the field name. */
  makeFieldName: fn<(resource: string, field: string) => string>('(resource, field) => string').optional(),
  /**
   * Called for every record before it is written (expanded children too, with `parent` set):
   * returns the record to write, or null to skip it (counted as skipped).
   */
  transform: fn<RecordTransform>('(resource, record, { parent }) => record | null').optional(),
  /** Maps keys between the MLS and this destination (e.g. strip and re-add an MLS prefix). */
  keyMapping: z
    .strictObject({
      toDestination: fn<(key: string, resource: string) => string>('(key) => string: MLS key to stored key'),
      toMls: fn<(key: string, resource: string) => string>('(key) => string: stored key to MLS key'),
    })
    .optional(),
});

/** What a destination's `transform` receives besides the record. */
export interface TransformContext {
  source: string;
  /** For an expanded child: the parent record (as transformed, without its navigation properties). */
  parent?: Record<string, unknown>;
  /** For an expanded child: the navigation property it came from, e.g. Media. */
  navigation?: string;
}

/** `resource` is the resource name, or `<Resource><Navigation>` (e.g. PropertyMedia) for an expanded child. */
export type RecordTransform = (
  resource: string,
  record: Record<string, unknown>,
  context: TransformContext,
) => Record<string, unknown> | null;

/** A Solr node (standalone cores or SolrCloud collections): one core per resource and per expanded child. */
export const solrDestinationSchema = z.strictObject({
  type: z.literal('solr'),
  /** The node's base URL, ending in /solr (SolrCloud: any node). */
  url: z
    .string({ error: 'is required (the Solr base URL, e.g. http://127.0.0.1:8983/solr)' })
    .refine((v) => /^https?:\/\/[^/]+(\/.*)?$/.test(v) && !/\/$/.test(v), {
      message: 'must be the http(s) URL of the Solr base without a trailing slash, e.g. http://127.0.0.1:8983/solr',
    }),
  /** Create cores and add fields from $metadata (default). Off: cores and fields must exist. */
  manageSchema: z.boolean().default(true),
  /** Prepended to every core name (e.g. `mls_` → mls_Property); ignored when makeCoreName is given. */
  corePrefix: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'must contain only letters, digits, ., _ and - (Solr core names)')
    .optional(),
  /** (source, resource) → core or collection name. Default: corePrefix + the resource name. */
  makeCoreName: fn<(source: string, resource: string) => string>('(source, resource) => string').optional(),
  /** Unset: a soft commit per page. A number: `commitWithin` that many ms per page instead. A hard commit ends every run. */
  commitWithinMs: z
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .positive('must be positive')
    .optional(),
  /** As for MySQL. */
  transform: fn<RecordTransform>('(resource, record, { parent }) => record | null').optional(),
  /** As for MySQL. */
  keyMapping: z
    .strictObject({
      toDestination: fn<(key: string, resource: string) => string>('(key) => string: MLS key to stored key'),
      toMls: fn<(key: string, resource: string) => string>('(key) => string: stored key to MLS key'),
    })
    .optional(),
  /** Standalone cores: the configset copied into each new core's conf/ (default scripts/solr/configset). */
  configSetDir: z.string().min(1, 'must name a folder').optional(),
  /** Standalone cores: the node's Solr home as seen from this machine (default: what the node reports). */
  solrHome: z.string().min(1, 'must name a folder').optional(),
  /** Per-request timeout in ms (default 120 s). */
  requestTimeoutMs: z.number().int().positive('must be positive').optional(),
});

/**
 * A PostgreSQL database: typed columns from $metadata plus the whole record in `_raw` (jsonb), one
 * table per resource and per expanded child, as for MySQL (see docs/destinations.md).
 */
export const postgresDestinationSchema = z.strictObject({
  type: z.literal('postgres'),
  /** The database to write to (created on first use when the user may), e.g. postgres://user:pass@host:5432/mls. */
  url: pgUrl,
  /**
   * The PostgreSQL schema (namespace) the tables go in, created when missing. Default: the
   * server's search_path, i.e. `public`.
   */
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL identifier (letters, digits, _; at most 63), e.g. mls')
    .optional(),
  /** As for MySQL. */
  manageSchema: z.boolean().default(true),
  /** As for MySQL; names longer than 63 bytes are shortened (recorded in _resync_columns). */
  makeTableName: fn<(source: string, resource: string) => string>('(source, resource) => string').optional(),
  makeFieldName: fn<(resource: string, field: string) => string>('(resource, field) => string').optional(),
  transform: fn<RecordTransform>('(resource, record, { parent }) => record | null').optional(),
  keyMapping: z
    .strictObject({
      toDestination: fn<(key: string, resource: string) => string>('(key) => string: MLS key to stored key'),
      toMls: fn<(key: string, resource: string) => string>('(key) => string: stored key to MLS key'),
    })
    .optional(),
  /**
   * Resource (or `<Resource><Navigation>`) → fields that get a typed column before any other when
   * a wide table cannot type them all within PostgreSQL's row limit; the rest stay in `_raw`.
   */
  preferTyped: z.record(z.string().min(1), z.array(z.string().min(1)).min(1, 'must list at least one field')).optional(),
});

export const destinationSchema = z.discriminatedUnion('type', [mysqlDestinationSchema, postgresDestinationSchema, solrDestinationSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? "must be one of 'mysql', 'postgres', 'solr'" : undefined),
});

const configObject = z.strictObject({
  sources: z.record(identifier, sourceSchema).refine((s) => Object.keys(s).length > 0, 'needs at least one source'),
  destinations: z.record(identifier, destinationSchema).refine((d) => Object.keys(d).length > 0, 'needs at least one destination'),
  /** Control database: run statistics and (later) staging. */
  control: z.strictObject({ url: mysqlUrl }),
  temporal: z
    .strictObject({
      address: z.string().default('127.0.0.1:7233'),
      namespace: z.string().default('default'),
      /**
       * The queue this config's workers poll and its CLI starts workflows on. Default: derived
       * from the source names (see task-queue.ts), so workers of different configs never take
       * each other's tasks. Set it only to pin a name; configs sharing it must be the same.
       */
      taskQueue: z.string().min(1).optional(),
      /** Web UI base URL, for links printed by the CLI and the dashboard. */
      uiUrl: httpUrl.default('http://127.0.0.1:8233'),
    })
    .default({
      address: '127.0.0.1:7233',
      namespace: 'default',
      uiUrl: 'http://127.0.0.1:8233',
    }),
  logging: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
      /** One ndjson file per source plus worker.log. */
      dir: z.string().default('logs'),
    })
    .default({ level: 'info', dir: 'logs' }),
  /** Where failure and recovery alerts of scheduled processes go. */
  alerts: alertsSchema.optional(),
  worker: z
    .strictObject({
      /**
       * V8 collects garbage once the heap has grown this many percent past what was live after the
       * last full collection (V8's own choice is up to 300%). Keeps a long-running worker's memory near
       * its working set; 0 leaves V8's heuristic alone.
       */
      heapGrowthPercent: z.number().int().min(0).max(300).default(20),
      /**
       * The same while a sync chunk converts and writes pages: looser, since a page of full records is
       * tens of MB and a tight limit means several full collections per page. 0: V8's own sizing, the
       * fastest and the largest (docs/benchmarks.md has figures for 0, 60 and 100).
       */
      syncHeapGrowthPercent: z.number().int().min(0).max(300).default(60),
    })
    .default({ heapGrowthPercent: 20, syncHeapGrowthPercent: 60 }),
});

export const configSchema = configObject
  // Runs even when other keys have problems (`when`), so one `config check` lists them all; the
  // value may then be partly invalid, hence the defensive reading.
  .superRefine(crossCheck, { when: () => true })
  .transform((config) => ({
    ...config,
    temporal: { ...config.temporal, taskQueue: config.temporal.taskQueue ?? defaultTaskQueue(Object.keys(config.sources)) },
  }));

/**
 * Checks that span keys. With `when: () => true` it also runs over a value other keys found
 * wrong, so it reads everything as unknown and skips what is not even the right shape.
 */
function crossCheck(config: unknown, ctx: z.RefinementCtx): void {
  const root = recordOf(config);
  const destinations = Object.keys(recordOf(root.destinations));
  const known = new Set(destinations);
  for (const [name, value] of Object.entries(recordOf(root.sources))) {
    const source = recordOf(value);
    if (source.platform === 'mlsgrid' && !source.originatingSystemName) {
      ctx.addIssue({
        code: 'custom',
        path: ['sources', name, 'originatingSystemName'],
        message: 'is required for MLS Grid sources (every request must filter on it)',
      });
    }
    if (source.destinations === undefined && destinations.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['sources', name, 'destinations'],
        message: `is required when there is more than one destination: list the ones this source writes to (${destinations.join(', ')})`,
      });
    }
    listOf(source.destinations).forEach((dest, i) => {
      if (typeof dest === 'string' && !known.has(dest)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', name, 'destinations', i],
          message: `names destination "${dest}", which is not defined in destinations`,
        });
      }
    });
    const seen = new Set<unknown>();
    listOf(source.resources).forEach((item, i) => {
      const resource = recordOf(item);
      if (typeof resource.name !== 'string') return;
      if (seen.has(resource.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', name, 'resources', i, 'name'],
          message: `resource "${resource.name}" is listed twice`,
        });
      }
      seen.add(resource.name);
      const media = recordOf(resource.media);
      if (resource.media !== undefined && resource.name !== 'Media') {
        const nav = typeof media.navigation === 'string' ? media.navigation : MEDIA_DEFAULTS.navigation;
        if (!listOf(resource.expand).some((e) => recordOf(e).name === nav)) {
          ctx.addIssue({
            code: 'custom',
            path: ['sources', name, 'resources', i, 'media'],
            message: `needs the resource to expand ${nav} (add expand: [{ name: '${nav}' }]) or to be the Media resource itself`,
          });
        }
      }
      const navs = new Set<unknown>();
      listOf(resource.expand).forEach((e, j) => {
        const nav = recordOf(e).name;
        if (typeof nav !== 'string') return;
        if (navs.has(nav)) {
          ctx.addIssue({
            code: 'custom',
            path: ['sources', name, 'resources', i, 'expand', j, 'name'],
            message: `navigation property "${nav}" is listed twice`,
          });
        }
        navs.add(nav);
      });
    });
  }
}

function recordOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** What a config file exports (defaults not yet applied). */
export type ConfigInput = z.input<typeof configSchema>;
/** A validated config with every default applied. */
export type Config = z.output<typeof configSchema>;
export type SourceConfig = Config['sources'][string];
export type ResourceConfig = SourceConfig['resources'][number];
export type DestinationConfig = Config['destinations'][string];
export type MysqlDestinationConfig = z.output<typeof mysqlDestinationSchema>;
export type PostgresDestinationSettings = z.output<typeof postgresDestinationSchema>;
export type SolrDestinationSettings = z.output<typeof solrDestinationSchema>;
export type ExpandConfig = z.output<typeof expandSchema>;
export type MediaConfig = z.output<typeof mediaSchema>;
export type MediaStoreConfig = z.output<typeof mediaStoreSchema>;
