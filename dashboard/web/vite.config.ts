// Builds the dashboard's single-page app into dist/, which the dashboard server serves.
// `npx vite dashboard/web` serves it with hot reload; /api calls go to a dashboard on :4000.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      // The dashboard answers only to its own host and takes changes only from its own origin
      // (docs/dashboard.md, Security): the dev server speaks for its pages as the dashboard.
      '/api': {
        target: 'http://127.0.0.1:4000',
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on('proxyReq', (req) => {
            if (req.getHeader('origin')) req.setHeader('origin', 'http://127.0.0.1:4000');
            req.removeHeader('referer');
          });
        },
      },
    },
  },
});
