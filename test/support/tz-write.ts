/**
 * Child process for the time-zone test: writes one Listing under whatever TZ it was started with
 * and prints what it saw. Arguments: <mysql url> <key> <ModificationTimestamp>.
 */
import { MysqlDestination } from '../../activities/destinations/mysql';
import { listingResource } from './listing-model';

const [url, key, timestamp] = process.argv.slice(2);
if (!url || !key || !timestamp) throw new Error('usage: tz-write <mysql url> <key> <timestamp>');
const dest = new MysqlDestination('tz', { type: 'mysql', url, manageSchema: true });
const resource = listingResource();
try {
  await dest.ensureSchema(resource);
  const result = await dest.writePage(resource, [{ ListingKey: key, ModificationTimestamp: timestamp }]);
  const highWaterMark = await dest.highWaterMark(resource);
  console.log(
    JSON.stringify({ upserted: result.upserted, highWaterMark, offsetMinutes: new Date(Date.UTC(2024, 0, 15)).getTimezoneOffset() }),
  );
} finally {
  await dest.close();
}
