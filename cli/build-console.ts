import { build } from 'vite';
import { fileURLToPath } from 'node:url';

/**
 * Always a production build: Vite keeps an inherited NODE_ENV (vitest sets "test"), which would make a dev bundle.
 * `outDir` builds elsewhere than console/dist (a test that must serve the current sources, not a stale dist).
 */
export async function buildConsole(opts: { outDir?: string } = {}) {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: fileURLToPath(new URL('../console/vite.config.ts', import.meta.url)),
      logLevel: 'warn',
      ...(opts.outDir ? { build: { outDir: opts.outDir, emptyOutDir: true } } : {}),
    });
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
}
