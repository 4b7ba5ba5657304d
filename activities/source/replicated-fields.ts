/**
 * What a replication request asks for, in one place: sync, reconcile's re-fetch and `resync record`
 * must ask for the same fields and children, or a restored or inspected record would differ from a
 * synced one.
 */
import type { ResourceConfig } from '../../config';
import type { ResourceModel } from '../destinations/destination';
import type { Platform } from './platforms';
import { expandOption } from './query';

export interface ReplicatedFields {
  /** `$select`, when the resource narrows its fields: always with the key, cursor and delete-signal fields. */
  select?: string[];
  /** `$expand` of the resource's configured navigations. */
  expand?: string;
}

export function replicatedFields(resource: ResourceModel, config: ResourceConfig, platform: Platform): ReplicatedFields {
  const deleteSignal = platform.deleteSignal;
  const select = config.select
    ? [...new Set([resource.keyField, resource.cursorField, ...(deleteSignal ? [deleteSignal.field] : []), ...config.select])]
    : undefined;
  const expand = expandOption(
    (config.expand ?? []).map((e) => {
      const keyField = resource.children?.find((c) => c.navigation === e.name)?.keyField;
      return { ...e, ...(keyField ? { keyField } : {}) };
    }),
    { selectInside: platform.selectInsideExpand },
  );
  return { ...(select ? { select } : {}), ...(expand ? { expand } : {}) };
}

/** Integer-typed keys are written bare in filters and ordered as numbers. */
export function isNumericKey(resource: ResourceModel): boolean {
  const field = resource.entity.fields.find((f) => f.name === resource.keyField);
  return field?.type.kind === 'primitive' && /^Edm\.(S?Byte|Int16|Int32|Int64|Decimal)$/.test(field.type.name);
}
