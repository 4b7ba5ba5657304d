import { defineConfig } from 'drizzle-kit';

// Generates SQL migrations for the control database from activities/stats/schema.ts.
export default defineConfig({
  dialect: 'mysql',
  schema: './activities/stats/schema.ts',
  out: './activities/stats/migrations',
});
