/** Where the local stack listens when nothing else is configured (see temporal-dev.yaml too). */
export const DEFAULT_MYSQL_SERVER_URL = 'mysql://root@127.0.0.1:3407';
export const DEFAULT_SIMULATOR_PORT = 8089;
export const DEFAULT_SIMULATOR_URL = `http://127.0.0.1:${DEFAULT_SIMULATOR_PORT}/odata`;
