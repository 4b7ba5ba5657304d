import type { Logger } from 'pino';
import type { Config } from '../../config';
import type { Destination } from './destination';
import { MysqlDestination } from './mysql';
import { PostgresDestination } from './postgres/destination';
import { SolrDestination } from './solr';

export type {
  Destination,
  RecordForms,
  ResourceModel,
  ChildModel,
  WriteResult,
  ChildWriteResult,
  WriteReject,
  SchemaChange,
  SyncCursor,
} from './destination';

export function createDestination(name: string, config: Config['destinations'][string], logger?: Logger): Destination {
  switch (config.type) {
    case 'mysql':
      return new MysqlDestination(name, config, logger);
    case 'postgres':
      return new PostgresDestination(name, config, logger);
    case 'solr': {
      const { corePrefix, makeCoreName, ...rest } = config;
      // corePrefix is the config's short form of makeCoreName; a makeCoreName given wins.
      const naming = makeCoreName ?? (corePrefix ? (_source: string, resource: string) => `${corePrefix}${resource}` : undefined);
      return new SolrDestination(name, { ...rest, ...(naming ? { makeCoreName: naming } : {}) }, logger);
    }
  }
}
