/** The console's field map geometry (console/src/pages/field/geo.ts): polylines, fitting, tiles. */
import { describe, expect, it } from 'vitest';
import { decodePolyline, fitBounds, project, tilesFor } from '../../console/src/pages/field/geo.ts';

describe('field map geometry', () => {
  it('decodes an encoded polyline (the format’s reference example)', () => {
    const points = decodePolyline('_p~iF~ps|U_ulLnnqC_mqNvxq`@');
    expect(points.map((p) => [p.lat, p.lng])).toEqual([
      [38.5, -120.2],
      [40.7, -120.95],
      [43.252, -126.453],
    ]);
    expect(() => decodePolyline('_p~iF~ps|U_')).toThrow(/truncated/);
  });

  it('fits every point inside the padding, keeping north up and east right', () => {
    const points = [
      { lat: 52.52, lng: 13.4 },
      { lat: 52.4, lng: 13.2 },
      { lat: 52.6, lng: 13.6 },
    ];
    const v = fitBounds(points, 1000, 560, 40);
    const xy = points.map((p) => project(v, p));
    for (const { x, y } of xy) {
      expect(x).toBeGreaterThanOrEqual(40 - 1e-6);
      expect(x).toBeLessThanOrEqual(960 + 1e-6);
      expect(y).toBeGreaterThanOrEqual(40 - 1e-6);
      expect(y).toBeLessThanOrEqual(520 + 1e-6);
    }
    // The taller side (latitude span) fills the height exactly.
    expect(xy[1]!.y - xy[2]!.y).toBeCloseTo(480, 6);
    expect(xy[2]!.x).toBeGreaterThan(xy[1]!.x);
    // One point: a street-level view, not an infinite zoom.
    expect(fitBounds([points[0]!], 1000, 560).scale).toBe(256 * 2 ** 17);
  });

  it('lists the tiles covering the view, at a zoom whose tiles are 256–512 px', () => {
    const v = fitBounds([{ lat: 52.4, lng: 13.2 }, { lat: 52.6, lng: 13.6 }], 1000, 560);
    const tiles = tilesFor(v, 'https://tiles.example/{z}/{x}/{y}.png');
    expect(tiles.length).toBeGreaterThan(0);
    const size = tiles[0]!.size;
    expect(size).toBeGreaterThanOrEqual(256);
    expect(size).toBeLessThan(512);
    expect(Math.min(...tiles.map((t) => t.x))).toBeLessThanOrEqual(0);
    expect(Math.max(...tiles.map((t) => t.x + t.size))).toBeGreaterThanOrEqual(1000);
    expect(Math.min(...tiles.map((t) => t.y))).toBeLessThanOrEqual(0);
    expect(Math.max(...tiles.map((t) => t.y + t.size))).toBeGreaterThanOrEqual(560);
    const z = Math.log2(v.scale / size);
    expect(tiles[0]!.href).toMatch(new RegExp(`^https://tiles\\.example/${z}/\\d+/\\d+\\.png$`));
  });
});
