export { defineConfig } from './define';
export { loadConfig, parseConfig, configPathFrom, withDatabase, ConfigError, DEMO_CONFIG_PATH } from './load';
export type {
  Config,
  ConfigInput,
  SourceConfig,
  ResourceConfig,
  DestinationConfig,
  MysqlDestinationConfig,
  PostgresDestinationSettings,
  SolrDestinationSettings,
  ExpandConfig,
  MediaConfig,
  MediaStoreConfig,
  RecordTransform,
  TransformContext,
} from './schema';
export type { SchedulesConfig } from './schedules';
export type { AlertsConfig, WebhookConfig, EmailConfig } from './alerts';
