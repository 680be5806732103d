/**
 * OSRM v5 over HTTP: `/table/v1` for duration and distance matrices, `/route/v1` for a day's drawn route.
 *
 * Why hand-written on `fetch` rather than a client package: `osrm-client` (0.0.9) speaks the v4 API
 * (`/viaroute`, `loc=`) that v5 servers no longer answer; `osrm.js`, the v5 client from the same project, is
 * callback-based, untyped, unmaintained, and does none of what a large matrix needs (blocks under the server's
 * max-table-size, bounded concurrency, retries, a cache). The protocol is two GET requests with JSON answers;
 * the response shapes come from `@types/osrm` (which types the same objects for the Node bindings; `null`
 * cells, which it leaves out, are added here). So: a few hundred lines we own and test against an
 * OSRM-protocol server on loopback (test/fixtures/osrm-stand-in.ts), one types-only dev dependency.
 *
 * - Matrices are split into blocks of at most maxTableSize² cells (sources × destinations, OSRM's TooBig
 *   rule), fetched `concurrency` at a time. A block the server still finds TooBig (its limit is lower than
 *   configured) is halved and asked again.
 * - Each request is retried with exponential backoff and jitter on timeouts, HTTP 5xx/429 and network errors;
 *   after the last attempt an OsrmUnavailableError names the block. OSRM's own error answers (HTTP 400
 *   `NoSegment`, `InvalidQuery`, …) are not retried: they become an OsrmError with OSRM's code and message,
 *   and for NoSegment the index of the point it could not place.
 * - Cells are cached (LRU keyed by coordinates rounded to 5 decimals): a re-plan asks for the same pairs.
 * - `null` cells mean unreachable and stay `null`.
 */
import type OSRM from 'osrm';
import { CellCache } from './cell-cache.ts';
import { OsrmError, OsrmUnavailableError } from './errors.ts';
import { encodePolyline } from './polyline.ts';
import type { LatLng, MatrixOptions, MatrixResult, RouteResult, RoutingProvider } from './types.ts';

/** The HTTP answer of `/table/v1`: the Node bindings' TableResults plus `code`, with unreachable cells as null. */
export type OsrmTableResponse = Omit<OSRM.TableResults, 'durations' | 'distances'> & {
  code: string;
  message?: string;
  durations?: (number | null)[][];
  distances?: (number | null)[][];
};
export type OsrmRouteResponse = OSRM.RouteResults & { code: string; message?: string };
interface OsrmErrorBody {
  code?: string;
  message?: string;
}

export interface OsrmProviderOptions {
  /** Base URL of the server, e.g. http://osrm:5000 (OSRM_URL). */
  url: string;
  profile?: string;
  /** The server's --max-table-size (OSRM_MAX_TABLE_SIZE): blocks hold at most this² cells. */
  maxTableSize?: number;
  /** Per request, including reading the body (OSRM_TIMEOUT). */
  timeoutMs?: number;
  /** Blocks in flight at once. */
  concurrency?: number;
  /** Retries after the first attempt. */
  retries?: number;
  /** First backoff; doubles with each retry (±50 % jitter), capped at maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Cells kept in the cache (at least twice the largest matrix asked for); 0 turns it off. */
  cacheCells?: number;
  fetch?: typeof fetch;
}

export interface OsrmStats {
  requests: number;
  retries: number;
  cacheHits: number;
  cacheMisses: number;
  cachedCells: number;
}

interface Block {
  rows: number[];
  cols: number[];
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
const sameIndexes = (a: number[], b: number[]) => a.length === b.length && a.every((x, k) => x === b[k]);
const span = (xs: number[]) => (xs.length === 1 ? `${xs[0]}` : `${Math.min(...xs)}–${Math.max(...xs)}`);
const coordinate = (p: LatLng) => `${p.lng.toFixed(6)},${p.lat.toFixed(6)}`;

function abortableDelay(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `run` over `items` with at most `limit` in flight; the first failure stops the others and rejects. */
async function pool<T>(items: T[], limit: number, signal: AbortSignal | undefined, run: (item: T, index: number, signal: AbortSignal) => Promise<void>) {
  const stop = new AbortController();
  const combined = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !combined.aborted) {
      const i = next++;
      try {
        await run(items[i]!, i, combined);
      } catch (err) {
        stop.abort(err);
        throw err;
      }
    }
  });
  await Promise.all(lanes);
}

export function createOsrmProvider(options: OsrmProviderOptions): RoutingProvider & { stats(): OsrmStats } {
  const base = options.url.replace(/\/$/, '');
  const profile = options.profile ?? 'driving';
  const maxTableSize = options.maxTableSize ?? 100;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const retries = Math.max(0, options.retries ?? 3);
  const backoffMs = options.backoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const doFetch = options.fetch ?? fetch;
  const cache = new CellCache(options.cacheCells ?? 2_500_000);
  const counters = { requests: 0, retries: 0 };

  /** One GET with retries; OSRM's own error answers are thrown as OsrmError at once. */
  async function request<T extends { code: string }>(url: string, label: string, signal: AbortSignal | undefined, locate: (local: number) => number | undefined): Promise<T> {
    let lastError = '';
    for (let attempt = 1; ; attempt++) {
      // A timer of our own rather than AbortSignal.timeout(): combined with AbortSignal.any, Node may collect the
      // timeout signal before it fires, and the request would never time out.
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
      try {
        counters.requests++;
        const res = await doFetch(url, { signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal });
        const text = await res.text();
        let body: (T & OsrmErrorBody) | OsrmErrorBody | undefined;
        try {
          body = JSON.parse(text) as T & OsrmErrorBody;
        } catch {
          body = undefined;
        }
        if (res.ok && body?.code === 'Ok') return body as T;
        if (res.status >= 500 || res.status === 429) {
          lastError = `HTTP ${res.status}${body?.code ? ` ${body.code}` : ''}`;
        } else {
          const code = body?.code ?? `HTTP${res.status}`;
          const message = body?.message ?? '';
          const local = code === 'NoSegment' ? /coordinate (\d+)/.exec(message)?.[1] : undefined;
          throw new OsrmError(code, message, res.status, label, local === undefined ? undefined : locate(Number(local)));
        }
      } catch (err) {
        if (err instanceof OsrmError) throw err;
        if (signal?.aborted) throw signal.reason;
        const e = err as Error;
        lastError = timeout.signal.aborted ? `timed out after ${timeoutMs} ms` : `${e.name}: ${e.message}${(e.cause as Error | undefined)?.message ? ` (${(e.cause as Error).message})` : ''}`;
      } finally {
        clearTimeout(timer);
      }
      if (attempt > retries) throw new OsrmUnavailableError(label, attempt, lastError);
      counters.retries++;
      const delay = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await abortableDelay(delay, signal);
    }
  }

  async function fetchBlock(points: readonly LatLng[], block: Block, label: string, signal?: AbortSignal): Promise<{ durations: (number | null)[][]; distances: (number | null)[][] }> {
    const square = sameIndexes(block.rows, block.cols);
    const coords = square ? block.rows : [...block.rows, ...block.cols];
    const query = new URLSearchParams({ annotations: 'duration,distance' });
    if (!square) {
      query.set('sources', range(0, block.rows.length).join(';'));
      query.set('destinations', range(block.rows.length, coords.length).join(';'));
    }
    const url = `${base}/table/v1/${profile}/${coords.map((i) => coordinate(points[i]!)).join(';')}?${query.toString().replaceAll('%3B', ';').replaceAll('%2C', ',')}`;
    const body = await request<OsrmTableResponse>(url, label, signal, (local) => coords[local]);
    const { durations, distances } = body;
    const shaped = (m: unknown): m is (number | null)[][] =>
      Array.isArray(m) && m.length === block.rows.length && m.every((row) => Array.isArray(row) && row.length === block.cols.length);
    if (!shaped(durations) || !shaped(distances)) {
      throw new OsrmError('InvalidResponse', `expected ${block.rows.length}×${block.cols.length} durations and distances (is the server older than 5.18?)`, 200, label);
    }
    return { durations, distances };
  }

  return {
    kind: 'osrm',
    stats: () => ({ ...counters, cacheHits: cache.hits, cacheMisses: cache.misses, cachedCells: cache.size }),

    async matrix(points: readonly LatLng[], opts: MatrixOptions = {}): Promise<MatrixResult> {
      const n = points.length;
      const ids = points.map((p) => cache.pointId(p));
      const durations: (number | null)[][] = Array.from({ length: n }, () => new Array<number | null>(n).fill(null));
      const distances: (number | null)[][] = Array.from({ length: n }, () => new Array<number | null>(n).fill(null));
      const missing: boolean[][] = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const hit = cache.get(ids[i]!, ids[j]!);
          if (hit) [durations[i]![j], distances[i]![j]] = hit;
          else missing[i]![j] = true;
        }
      }

      // Square chunks of maxTableSize; only the rows and columns with a missing cell are asked for.
      const chunks: number[][] = [];
      for (let from = 0; from < n; from += maxTableSize) chunks.push(range(from, Math.min(n, from + maxTableSize)));
      const blocks: Block[] = [];
      for (const rowChunk of chunks) {
        for (const colChunk of chunks) {
          const rows = rowChunk.filter((i) => colChunk.some((j) => missing[i]![j]));
          if (!rows.length) continue;
          const cols = colChunk.filter((j) => rows.some((i) => missing[i]![j]));
          blocks.push({ rows, cols });
        }
      }

      let done = 0;
      const store = (block: Block, got: { durations: (number | null)[][]; distances: (number | null)[][] }) => {
        block.rows.forEach((i, r) =>
          block.cols.forEach((j, c) => {
            const d = got.durations[r]![c]!;
            const m = got.distances[r]![c]!;
            durations[i]![j] = d;
            distances[i]![j] = m;
            cache.set(ids[i]!, ids[j]!, d, m);
          }),
        );
      };
      const labelOf = (block: Block, k: number, parts = '') =>
        `table block ${k + 1}/${blocks.length}${parts} (sources ${span(block.rows)} × destinations ${span(block.cols)})`;
      // TooBig: the server's limit is lower than configured; halve the larger side and ask again.
      const fetchFitting = async (block: Block, k: number, parts: string, signal: AbortSignal): Promise<void> => {
        try {
          store(block, await fetchBlock(points, block, labelOf(block, k, parts), signal));
        } catch (err) {
          if (!(err instanceof OsrmError && err.code === 'TooBig') || block.rows.length * block.cols.length <= 1) throw err;
          const splitRows = block.rows.length >= block.cols.length;
          const side = splitRows ? block.rows : block.cols;
          const half = Math.ceil(side.length / 2);
          const [a, b] = [side.slice(0, half), side.slice(half)];
          await fetchFitting(splitRows ? { rows: a, cols: block.cols } : { rows: block.rows, cols: a }, k, `${parts}.1`, signal);
          await fetchFitting(splitRows ? { rows: b, cols: block.cols } : { rows: block.rows, cols: b }, k, `${parts}.2`, signal);
        }
      };
      await pool(blocks, concurrency, opts.signal, async (block, k, signal) => {
        await fetchFitting(block, k, '', signal);
        opts.onProgress?.({ blocksDone: ++done, blocks: blocks.length });
      });
      for (let i = 0; i < n; i++) {
        durations[i]![i] = 0;
        distances[i]![i] = 0;
      }
      return { durations, distances, estimated: false };
    },

    async route(points: readonly LatLng[], opts: { signal?: AbortSignal } = {}): Promise<RouteResult> {
      if (points.length < 2) return { geometry: encodePolyline(points), distance: 0, duration: 0, estimated: false };
      const url = `${base}/route/v1/${profile}/${points.map(coordinate).join(';')}?overview=full&geometries=polyline&steps=false`;
      const body = await request<OsrmRouteResponse>(url, `route (${points.length} points)`, opts.signal, (local) => local);
      const route = body.routes?.[0];
      if (!route || typeof route.geometry !== 'string') throw new OsrmError('InvalidResponse', 'no route with a polyline geometry in the answer', 200, 'route');
      return { geometry: route.geometry, distance: route.distance, duration: route.duration, estimated: false };
    },
  };
}
