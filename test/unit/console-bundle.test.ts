/**
 * The console's first load stays within 250 KB of gzip-compressed JavaScript: the entry chunk and every chunk it
 * imports statically (what the browser must fetch before the first page renders). Built in memory with Vite's
 * build API from the current sources, so the figure is never that of a stale console/dist.
 */
import { gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type Rolldown } from 'vite';

const BUDGET_BYTES = 250 * 1024;

type Output = Rolldown.RolldownOutput['output'][number];
type Chunk = Extract<Output, { type: 'chunk' }>;

let chunks: Map<string, Chunk>;
const outDir = mkdtempSync(join(tmpdir(), 'loro-console-bundle-'));

beforeAll(async () => {
  // Vite keeps an inherited NODE_ENV (vitest sets "test"), which would measure a development bundle.
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const result = await build({
      configFile: fileURLToPath(new URL('../../console/vite.config.ts', import.meta.url)),
      mode: 'production',
      logLevel: 'warn',
      build: { write: false, outDir, emptyOutDir: false, reportCompressedSize: false },
    });
    const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
    chunks = new Map(outputs.flatMap((o) => o.output).filter((o): o is Chunk => o.type === 'chunk').map((c) => [c.fileName, c]));
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** The entry chunks and, transitively, their static imports; dynamic import() targets load later, on demand. */
function firstLoad(): Chunk[] {
  const seen = new Set<string>();
  const visit = (fileName: string) => {
    if (seen.has(fileName)) return;
    const chunk = chunks.get(fileName);
    if (!chunk) throw new Error(`chunk ${fileName} is imported but was not built`);
    seen.add(fileName);
    chunk.imports.forEach(visit);
  };
  for (const chunk of chunks.values()) if (chunk.isEntry) visit(chunk.fileName);
  return [...seen].map((f) => chunks.get(f)!);
}

describe('console bundle', () => {
  it('first load is at most 250 KB of gzip-compressed JavaScript', () => {
    const loaded = firstLoad();
    expect(loaded.length).toBeGreaterThan(0);
    const sizes = loaded.map((c) => ({ file: c.fileName, raw: Buffer.byteLength(c.code), gzip: gzipSync(c.code).length }));
    const gzip = sizes.reduce((n, s) => n + s.gzip, 0);
    const lazy = [...chunks.values()].filter((c) => !loaded.includes(c));
    console.log(
      `console first load: ${(gzip / 1024).toFixed(1)} KB gzip JS in ${sizes.length} chunk(s) ` +
        `(${sizes.map((s) => `${s.file} ${(s.raw / 1024).toFixed(1)} KB raw / ${(s.gzip / 1024).toFixed(1)} KB gzip`).join('; ')}); ` +
        `${lazy.length} chunk(s) loaded on demand; budget ${BUDGET_BYTES / 1024} KB`,
    );
    expect(gzip).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
