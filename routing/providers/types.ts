/**
 * What the planner needs from a road network: travel durations and distances between points, and the drawn
 * route of a technician's day. Two providers implement it: OSRM v5 over HTTP (./osrm.ts) and, where no OSRM
 * server is configured, a great-circle estimate (./estimate.ts) whose every result says it is estimated.
 */

/** A point on the map, WGS 84 degrees. Points are personal data (customers' sites, technicians' homes). */
export interface LatLng {
  lat: number;
  lng: number;
}

/**
 * Square matrices over the points given, `[from][to]`: durations in seconds, distances in metres, `null` where
 * the road network has no way between the two (unreachable). Assignable to the solver's `Matrix`.
 */
export interface MatrixResult {
  durations: (number | null)[][];
  distances: (number | null)[][];
  /** True when the figures come from the great-circle estimate rather than a road network. */
  estimated: boolean;
}

export interface RouteResult {
  /** The path through the points as an encoded polyline (precision 5, [lat, lng] pairs; ./polyline.ts decodes). */
  geometry: string;
  /** Metres. */
  distance: number;
  /** Seconds. */
  duration: number;
  estimated: boolean;
}

export interface MatrixProgress {
  blocksDone: number;
  blocks: number;
}

export interface MatrixOptions {
  /** Called after each block of the matrix arrives (for activity heartbeats); must not throw. */
  onProgress?: (progress: MatrixProgress) => void;
  /** Aborts outstanding requests (e.g. the activity's cancellation signal). */
  signal?: AbortSignal;
}

export interface RoutingProvider {
  readonly kind: 'osrm' | 'estimate';
  matrix(points: readonly LatLng[], options?: MatrixOptions): Promise<MatrixResult>;
  route(points: readonly LatLng[], options?: { signal?: AbortSignal }): Promise<RouteResult>;
}
