/** The routing provider the config asks for: OSRM when OSRM_URL is set, else the great-circle estimate. */
import type { Config } from '../../config/index.ts';
import { createEstimateProvider } from './estimate.ts';
import { createOsrmProvider } from './osrm.ts';
import type { RoutingProvider } from './types.ts';

export type * from './types.ts';
export { OsrmError, OsrmUnavailableError } from './errors.ts';
export { createEstimateProvider } from './estimate.ts';
export { createOsrmProvider, type OsrmProviderOptions, type OsrmStats } from './osrm.ts';
export { decodePolyline, encodePolyline } from './polyline.ts';
export { haversineMeters } from './geo.ts';

export function createRoutingProvider(routing: Config['routing']): RoutingProvider {
  return routing.osrm ? createOsrmProvider(routing.osrm) : createEstimateProvider(routing.estimate);
}
