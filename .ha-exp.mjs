import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
if (process.argv[3] === 'tsx') { const { register: tsx } = await import('tsx/esm/api'); tsx(); }
register('file:///tmp/ha-exp/hooks.mjs', import.meta.url, { data: { api: 'file:///work/main/config/define.ts' } });
const url = pathToFileURL(process.argv[2]).href + '?resync-config=1';
const m = await import(url);
console.log(Object.keys(m), JSON.stringify(m.default).slice(0,100));
