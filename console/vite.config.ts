// Vite config for the LORO engine admin console (Svelte 5 SPA).
// Build: `npm run build` (= `vite build --config console/vite.config.ts` from the repo root)
// emits console/dist/, which the Express API serves at `/` with an SPA fallback.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte, vitePreprocess } from '@sveltejs/vite-plugin-svelte';

const root = fileURLToPath(new URL('.', import.meta.url));
const apiTarget = process.env.LORO_API_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  // No svelte.config.js: everything is configured inline. Svelte 5 strips TypeScript
  // types in <script lang="ts"> natively; vitePreprocess only handles <style>.
  plugins: [
    svelte({
      configFile: false,
      preprocess: vitePreprocess(),
      compilerOptions: { runes: true },
    }),
  ],
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: false,
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/socket.io': { target: apiTarget, ws: true, changeOrigin: false },
      '/docs': { target: apiTarget, changeOrigin: false },
    },
  },
});
