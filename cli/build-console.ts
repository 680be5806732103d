import { build } from 'vite';
import { fileURLToPath } from 'node:url';

/** Always a production build: Vite keeps an inherited NODE_ENV (vitest sets "test"), which would make a dev bundle. */
export async function buildConsole() {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: fileURLToPath(new URL('../console/vite.config.ts', import.meta.url)), logLevel: 'warn' });
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
}
