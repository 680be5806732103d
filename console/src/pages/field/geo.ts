// The field map's geometry: Web Mercator fitted to the points on show, encoded polylines, and (only when a tile
// server is configured) which tiles cover the view. Pure functions, so the map component only draws.

export interface Point {
  lat: number;
  lng: number;
}

export interface Viewport {
  width: number;
  height: number;
  /** Pixels per unit of the normalised Mercator plane (the whole world is 1 × 1). */
  scale: number;
  /** The normalised Mercator point drawn at the viewport's centre. */
  cx: number;
  cy: number;
}

const MAX_LAT = 85.05112878;

/** Normalised Web Mercator: x, y in [0, 1], y growing southwards (as tiles and screens do). */
export function mercator(p: Point): { x: number; y: number } {
  const lat = Math.max(-MAX_LAT, Math.min(MAX_LAT, p.lat));
  const s = Math.sin((lat * Math.PI) / 180);
  return { x: (p.lng + 180) / 360, y: 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI) };
}

/**
 * The viewport showing every point with `padding` pixels to spare. A single point (or none) gets a street-level
 * scale rather than an infinite one.
 */
export function fitBounds(points: Point[], width: number, height: number, padding = 32): Viewport {
  if (points.length === 0) return { width, height, scale: 256 * 2 ** 2, cx: 0.5, cy: 0.5 };
  const m = points.map(mercator);
  const minX = Math.min(...m.map((p) => p.x));
  const maxX = Math.max(...m.map((p) => p.x));
  const minY = Math.min(...m.map((p) => p.y));
  const maxY = Math.max(...m.map((p) => p.y));
  const spanX = Math.max(maxX - minX, 1e-9);
  const spanY = Math.max(maxY - minY, 1e-9);
  const fit = Math.min((width - 2 * padding) / spanX, (height - 2 * padding) / spanY);
  // Never closer than zoom 17 (about a house per 10 px): one stop would otherwise fill the world.
  const scale = Math.min(fit, 256 * 2 ** 17);
  return { width, height, scale, cx: (minX + maxX) / 2, cy: (minY + maxY) / 2 };
}

export function project(v: Viewport, p: Point): { x: number; y: number } {
  const m = mercator(p);
  return { x: (m.x - v.cx) * v.scale + v.width / 2, y: (m.y - v.cy) * v.scale + v.height / 2 };
}

/** The routing providers' decoder (OSRM's and the estimate's geometries): one implementation for server and map. */
export { decodePolyline } from '../../../../routing/providers/polyline.ts';

export interface Tile {
  key: string;
  href: string;
  x: number;
  y: number;
  size: number;
}

/** The tiles of `template` ({z}/{x}/{y}) covering the viewport, at the zoom whose tiles are 256–512 px wide. */
export function tilesFor(v: Viewport, template: string): Tile[] {
  const z = Math.max(0, Math.min(19, Math.floor(Math.log2(v.scale / 256))));
  const n = 2 ** z;
  const size = v.scale / n;
  const left = v.cx - v.width / 2 / v.scale;
  const top = v.cy - v.height / 2 / v.scale;
  const x0 = Math.floor(left * n);
  const x1 = Math.floor((left + v.width / v.scale) * n);
  const y0 = Math.max(0, Math.floor(top * n));
  const y1 = Math.min(n - 1, Math.floor((top + v.height / v.scale) * n));
  const tiles: Tile[] = [];
  for (let ty = y0; ty <= y1; ty++) {
    for (let tx = x0; tx <= x1; tx++) {
      const wrapped = ((tx % n) + n) % n;
      tiles.push({
        key: `${z}/${tx}/${ty}`,
        href: template.replace('{z}', String(z)).replace('{x}', String(wrapped)).replace('{y}', String(ty)),
        x: (tx / n - v.cx) * v.scale + v.width / 2,
        y: (ty / n - v.cy) * v.scale + v.height / 2,
        size,
      });
    }
  }
  return tiles;
}

/** Distinguishable route colours (colour-blind aware order), repeated beyond ten technicians. */
const PALETTE = ['#2f5bd3', '#d9661c', '#2f9461', '#b8338f', '#7a55c7', '#0f8a9d', '#a88a12', '#d0463b', '#4a5261', '#6b8e23'];
export const routeColor = (index: number) => PALETTE[index % PALETTE.length]!;
