/** Human progress lines for the CLIs (stderr, so stdout stays clean for scripts). */
const t0 = Date.now();
export const progress = (line: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
