import type { Logger } from 'pino';
import type { Config } from '../../config';
import type { Destination } from './destination';
import { MysqlDestination } from './mysql';

export type { Destination, ResourceModel, ChildModel, WriteResult, ChildWriteResult, WriteReject, SchemaChange } from './destination';

export function createDestination(name: string, config: Config['destinations'][string], logger?: Logger): Destination {
  switch (config.type) {
    case 'mysql':
      return new MysqlDestination(name, config, logger);
  }
}
