// `npm run stop`: stops the detached Temporal dev server and the project-local MariaDB,
// PostgreSQL, Solr and S3 (moto) servers that `npm start` / `npm run setup` left running. Servers this checkout did
// not start are untouched.
import { stopMariaDb } from './lib/mariadb';
import { stopPostgres } from './lib/postgres';
import { stopS3 } from './lib/s3';
import { stopSolr } from './lib/solr';
import { stopTemporalDev } from './lib/temporal-dev';

const temporal = await stopTemporalDev();
console.log(temporal.stopped ? `Temporal dev server stopped (pid ${temporal.pid})` : 'Temporal dev server: not running from this checkout');
const db = await stopMariaDb();
console.log(db.stopped ? 'MariaDB stopped' : 'MariaDB: not running from this checkout');
const postgres = await stopPostgres();
console.log(postgres.stopped ? `PostgreSQL stopped (pid ${postgres.pid})` : 'PostgreSQL: not running from this checkout');
const solr = await stopSolr();
console.log(solr.stopped ? `Solr stopped (pid ${solr.pid})` : 'Solr: not running from this checkout');
const s3 = await stopS3();
console.log(s3.stopped ? `S3 server stopped (pid ${s3.pid})` : 'S3 server: not running from this checkout');
