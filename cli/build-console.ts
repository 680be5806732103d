import { build } from 'vite';
import { fileURLToPath } from 'node:url';

export async function buildConsole() {
  await build({ configFile: fileURLToPath(new URL('../console/vite.config.ts', import.meta.url)), logLevel: 'warn' });
}
