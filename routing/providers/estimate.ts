/**
 * The embedded default without OSRM: great-circle distance × a detour factor, driven at an average speed.
 * Good enough to try planning on a laptop; every result carries `estimated: true`, and plans made from it say
 * so (route_plans.estimated), because real roads, one-way streets and rivers are not in it.
 */
import { haversineMeters, round1 } from './geo.ts';
import { encodePolyline } from './polyline.ts';
import type { LatLng, MatrixResult, RouteResult, RoutingProvider } from './types.ts';

export interface EstimateOptions {
  /** Average speed in km/h (ROUTING_AVERAGE_SPEED_KMH). */
  speedKmh: number;
  /** Road distance ÷ great-circle distance (ROUTING_DETOUR_FACTOR). */
  detourFactor: number;
}

export function createEstimateProvider({ speedKmh, detourFactor }: EstimateOptions): RoutingProvider {
  const metresPerSecond = (speedKmh * 1000) / 3600;
  const leg = (a: LatLng, b: LatLng) => {
    const distance = haversineMeters(a, b) * detourFactor;
    return { distance: round1(distance), duration: round1(distance / metresPerSecond) };
  };
  return {
    kind: 'estimate',
    async matrix(points): Promise<MatrixResult> {
      const n = points.length;
      const durations: number[][] = [];
      const distances: number[][] = [];
      for (let i = 0; i < n; i++) {
        const d = new Array<number>(n);
        const m = new Array<number>(n);
        for (let j = 0; j < n; j++) {
          const l = i === j ? { distance: 0, duration: 0 } : leg(points[i]!, points[j]!);
          d[j] = l.duration;
          m[j] = l.distance;
        }
        durations.push(d);
        distances.push(m);
      }
      return { durations, distances, estimated: true };
    },
    async route(points): Promise<RouteResult> {
      let distance = 0;
      let duration = 0;
      for (let i = 1; i < points.length; i++) {
        const l = leg(points[i - 1]!, points[i]!);
        distance += l.distance;
        duration += l.duration;
      }
      return { geometry: encodePolyline(points), distance: round1(distance), duration: round1(duration), estimated: true };
    },
  };
}
