import { fileURLToPath } from 'node:url';

/** Where the built console lives; the API serves it, `npm start` builds it when missing. */
export const CONSOLE_DIST = fileURLToPath(new URL('../console/dist', import.meta.url));
