/**
 * The routing providers against an OSRM-protocol server on loopback (test/fixtures/osrm-stand-in.ts): block
 * splitting under max-table-size, the cell cache, OSRM's error codes, retries with backoff, and the
 * great-circle estimate that says it is one.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import {
  createEstimateProvider,
  createOsrmProvider,
  createRoutingProvider,
  decodePolyline,
  haversineMeters,
  OsrmError,
  OsrmUnavailableError,
  type LatLng,
} from '../../routing/providers/index.ts';
import { standInLeg, startOsrmStandIn, type OsrmStandIn } from '../fixtures/osrm-stand-in.ts';
import { CellCache } from '../../routing/providers/cell-cache.ts';

/** Deterministic points around Berlin, 5 decimals like a polyline's (a small LCG: the same every run). */
function points(n: number, seed = 7): LatLng[] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, () => ({ lat: Number((52.35 + next() * 0.3).toFixed(5)), lng: Number((13.1 + next() * 0.6).toFixed(5)) }));
}

/** The matrix as the stand-in's road network defines it, computed without any HTTP. */
function reference(ps: LatLng[]) {
  return {
    durations: ps.map((a, i) => ps.map((b, j) => (i === j ? 0 : standInLeg(a, b).duration))),
    distances: ps.map((a, i) => ps.map((b, j) => (i === j ? 0 : standInLeg(a, b).distance))),
  };
}

let osrm: OsrmStandIn;
beforeAll(async () => {
  osrm = await startOsrmStandIn();
});
afterAll(() => osrm?.close());
beforeEach(() => {
  osrm.faults = {};
  osrm.requests.length = 0;
});

const provider = (opts: Partial<Parameters<typeof createOsrmProvider>[0]> = {}) =>
  createOsrmProvider({ url: osrm.url, maxTableSize: 100, backoffMs: 5, maxBackoffMs: 20, timeoutMs: 2_000, ...opts });

describe('OSRM table in blocks', () => {
  it('splits 250 points into 9 blocks under max-table-size and returns the full matrix an unsplit request would', async () => {
    const ps = points(250);
    const progress: number[] = [];
    const split = await provider().matrix(ps, { onProgress: (p) => progress.push(p.blocksDone / p.blocks) });
    expect(osrm.requests).toHaveLength(9);
    expect(osrm.requests.every((r) => r.status === 200 && r.sources * r.destinations <= 100 * 100)).toBe(true);
    expect(progress.at(-1)).toBe(1);
    expect(split.estimated).toBe(false);
    expect(split.durations).toEqual(reference(ps).durations);
    expect(split.distances).toEqual(reference(ps).distances);

    // One request of 250² on a server that allows it gives the same matrix.
    osrm.faults = { maxTableSize: 250 };
    osrm.requests.length = 0;
    const whole = await provider({ maxTableSize: 250 }).matrix(ps);
    expect(osrm.requests).toHaveLength(1);
    expect(whole.durations).toEqual(split.durations);
    expect(whole.distances).toEqual(split.distances);
  });

  it('answers repeated pairs from the cache (keyed by rounded coordinates) without asking again', async () => {
    const p = provider();
    const ps = points(120, 11);
    await p.matrix(ps);
    const asked = osrm.requests.length;
    expect(asked).toBe(4);
    const again = await p.matrix([...ps.slice(10, 50), ...ps.slice(0, 5)].map((q) => ({ lat: q.lat + 1e-7, lng: q.lng })));
    expect(osrm.requests.length).toBe(asked);
    expect(again.durations[0]![1]).toBe(standInLeg(ps[10]!, ps[11]!).duration);
    expect(p.stats().cacheHits).toBe(45 * 45);
    // One new point: only its row and column are fetched.
    await p.matrix([...ps.slice(0, 30), { lat: 52.6, lng: 13.7 }]);
    expect(osrm.requests.length).toBe(asked + 1);
    expect(osrm.requests.at(-1)!.sources * osrm.requests.at(-1)!.destinations).toBeLessThanOrEqual(31 * 31);
  });

  it('keeps unreachable cells as null', async () => {
    const ps = points(6, 3);
    osrm.faults = { unreachable: [ps[2]!] };
    const m = await provider().matrix(ps);
    expect(m.durations[0]![2]).toBeNull();
    expect(m.distances[2]![4]).toBeNull();
    expect(m.durations[2]![2]).toBe(0);
    expect(m.durations[0]![1]).toBe(standInLeg(ps[0]!, ps[1]!).duration);
  });

  it('turns NoSegment into a typed error naming the point, without retrying', async () => {
    const ps = points(30, 5);
    osrm.faults = { noSegment: [ps[17]!] };
    const err = await provider().matrix(ps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OsrmError);
    expect(err).toMatchObject({ code: 'NoSegment', status: 400, pointIndex: 17, osrmMessage: 'Could not find a matching segment for coordinate 17' });
    expect(osrm.requests).toHaveLength(1);
    expect((err as Error).message).not.toContain(String(ps[17]!.lat));
  });

  it('halves blocks the server finds TooBig (its limit lower than configured)', async () => {
    const ps = points(130, 9);
    osrm.faults = { maxTableSize: 40 };
    const m = await provider().matrix(ps);
    expect(m.durations).toEqual(reference(ps).durations);
    const ok = osrm.requests.filter((r) => r.status === 200);
    expect(ok.every((r) => r.sources * r.destinations <= 40 * 40)).toBe(true);
    expect(osrm.requests.some((r) => r.status === 400)).toBe(true);
  });

  it('retries a timed-out request with backoff and then succeeds', async () => {
    const ps = points(20, 13);
    osrm.faults = { delayMs: 400, delayRequests: 2 };
    const p = provider({ timeoutMs: 150, retries: 3 });
    const m = await p.matrix(ps);
    expect(m.durations).toEqual(reference(ps).durations);
    expect(p.stats()).toMatchObject({ requests: 3, retries: 2 });
  });

  it('retries a block answering 503 and succeeds within the budget', async () => {
    const ps = points(150, 17);
    osrm.faults = { failBlock: { at: ps[100]!, times: 2 } };
    const p = provider({ retries: 2 });
    expect((await p.matrix(ps)).distances).toEqual(reference(ps).distances);
    expect(p.stats().retries).toBe(2);
  });

  it('fails with an error naming the block once it fails beyond the retry budget', async () => {
    const ps = points(150, 19);
    osrm.faults = { failBlock: { at: ps[100]!, times: 99 } };
    const err = await provider({ retries: 2 }).matrix(ps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OsrmUnavailableError);
    expect((err as OsrmUnavailableError).attempts).toBe(3);
    expect((err as Error).message).toMatch(/^OSRM table block \d\/4 \(sources 100–149 × destinations (0–99|100–149)\) failed after 3 attempts; last error: HTTP 503 InternalError$/);
  });

  it('fails clearly when the server is not there at all', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const err = await createOsrmProvider({ url: `http://127.0.0.1:${port}`, retries: 1, backoffMs: 1 }).matrix(points(3)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OsrmUnavailableError);
    expect((err as Error).message).toMatch(/table block 1\/1 .* failed after 2 attempts; last error: TypeError: fetch failed \(.*ECONNREFUSED/);
  });
});

describe('cell cache', () => {
  it('keeps a working set of up to half its capacity however much else passes through, and stays bounded', () => {
    const cache = new CellCache(8);
    for (let k = 0; k < 4; k++) cache.set(k, k, k, k * 10);
    for (let other = 100; other < 200; other++) {
      for (let k = 0; k < 4; k++) expect(cache.get(k, k)).toEqual([k, k * 10]);
      cache.set(other, 0, 1, null);
      expect(cache.size).toBeLessThanOrEqual(8);
    }
    expect(cache.get(100, 0)).toBeUndefined();
    expect(cache.get(199, 0)).toEqual([1, null]);
  });
});

describe('OSRM route', () => {
  it('returns the polyline geometry (precision 5), distance and duration', async () => {
    const ps = points(4, 23);
    const r = await provider().route(ps);
    const decoded = decodePolyline(r.geometry);
    expect(decoded).toHaveLength(4);
    decoded.forEach((q, k) => {
      expect(q.lat).toBeCloseTo(ps[k]!.lat, 5);
      expect(q.lng).toBeCloseTo(ps[k]!.lng, 5);
    });
    const legs = ps.slice(1).map((q, k) => standInLeg(ps[k]!, q));
    expect(r.distance).toBeCloseTo(legs.reduce((s, l) => s + l.distance, 0), 0);
    expect(r.estimated).toBe(false);
  });

  it('turns NoRoute into a typed error', async () => {
    const ps = points(3, 29);
    osrm.faults = { unreachable: [ps[1]!] };
    await expect(provider().route(ps)).rejects.toMatchObject({ name: 'OsrmError', code: 'NoRoute' });
  });
});

describe('great-circle estimate', () => {
  it('marks every result as estimated: haversine × detour factor at the average speed', async () => {
    const p = createEstimateProvider({ speedKmh: 36, detourFactor: 1.3 });
    const ps = points(3, 31);
    const m = await p.matrix(ps);
    expect(m.estimated).toBe(true);
    const metres = haversineMeters(ps[0]!, ps[1]!) * 1.3;
    expect(m.distances[0]![1]).toBeCloseTo(metres, 0);
    expect(m.durations[0]![1]).toBeCloseTo(metres / 10, 0); // 36 km/h = 10 m/s
    expect(m.durations[1]![1]).toBe(0);
    const r = await p.route(ps);
    expect(r.estimated).toBe(true);
    expect(decodePolyline(r.geometry)).toHaveLength(3);
  });

  it('is what the config gives without OSRM_URL, and OSRM with it', () => {
    expect(createRoutingProvider(loadConfig({}).routing).kind).toBe('estimate');
    const config = loadConfig({ OSRM_URL: 'http://osrm:5000/', OSRM_MAX_TABLE_SIZE: '250', OSRM_TIMEOUT: '5s' });
    expect(config.routing.osrm).toEqual({ url: 'http://osrm:5000', profile: 'driving', maxTableSize: 250, timeoutMs: 5000 });
    expect(createRoutingProvider(config.routing).kind).toBe('osrm');
  });
});
