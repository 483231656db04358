/// <reference types="vitest/config" />
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// The SPA is served by nginx from frontend/dist; the API is same-origin under /api
// (override with VITE_API_BASE). In `npm run dev`, /api and /uploads are proxied to
// the local stack (VITE_DEV_PROXY, default http://127.0.0.1:8080).
const devProxy = process.env.VITE_DEV_PROXY || 'http://127.0.0.1:8080';

/** Emits dist/sw.js from pwa/sw.js with the list of built files to precache. */
function serviceWorker(): Plugin {
  return {
    name: 'swmra-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const built = Object.keys(bundle)
        .filter((f) => !f.endsWith('.map') && !f.endsWith('.html'))
        .map((f) => `/${f}`);
      const icons = readdirSync(new URL('./public/icons', import.meta.url)).map((f) => `/icons/${f}`);
      const precache = [...built, ...icons, '/offline.html', '/offline.js', '/manifest.webmanifest'].sort();
      const template = readFileSync(new URL('./pwa/sw.js', import.meta.url), 'utf8');
      const version = createHash('sha256').update(template).update(precache.join('\n')).digest('hex').slice(0, 12);
      const source = template.replace('__VERSION__', version).replace('__PRECACHE__', JSON.stringify(precache, null, 2));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

export default defineConfig({
  plugins: [react(), serviceWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      '/api': { target: devProxy, changeOrigin: true, ws: true },
      '/uploads': { target: devProxy, changeOrigin: true },
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    pool: 'threads',
    poolOptions: { threads: { maxThreads: 2, minThreads: 1 } },
    css: false,
    restoreMocks: true,
    // A whole wizard flow takes ~2 s alone; on a 2-core CI machine running the stack
    // beside it, the default 5 s limit fails flows that are merely slow, not broken.
    testTimeout: 20000,
  },
});
