/** `npm run setup`: builds (or finds in the cache) every pinned service, and says how long each took. */
import { loadConfig } from '../config/index.ts';
import { runMain } from '../lib/main.ts';
import { ensureFerretDb, ensureTemporalCli, ensureTestServer } from '../services/build.ts';
import { progress } from './progress.ts';

runMain('setup', async () => {
  const { cacheDir } = loadConfig();
  const t0 = Date.now();
  const timed = async (name: string, f: () => Promise<string>) => {
    const s = Date.now();
    const path = await f();
    progress(`${name}: ${path} (${((Date.now() - s) / 1000).toFixed(1)} s)`);
  };
  // Sequential: two Go builds at once on 2 cores are slower than one after the other, and their output interleaves.
  await timed('Temporal CLI', () => ensureTemporalCli(cacheDir, progress));
  await timed('FerretDB', () => ensureFerretDb(cacheDir, progress));
  await timed('Temporal test server', () => ensureTestServer(cacheDir, progress));
  progress(`setup done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(0);
});
