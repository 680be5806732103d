/**
 * Errors of the routing providers. Messages name blocks and point indexes, never coordinates: points are
 * personal data and errors end up in logs and in workflow histories.
 */

/**
 * OSRM answered with an error code it means (HTTP 4xx `{code, message}`: `NoSegment`, `TooBig`, `InvalidQuery`,
 * `NoRoute`, …): asking again would get the same answer, so it is not retried. `pointIndex` is the index, in the
 * points given to the provider, of the coordinate OSRM named (NoSegment: nothing on the road network near it).
 */
export class OsrmError extends Error {
  override name = 'OsrmError';
  constructor(
    readonly code: string,
    readonly osrmMessage: string,
    readonly status: number,
    /** Which request: `table block 3/9 (sources 100–199 × destinations 0–99)` or `route`. */
    readonly request: string,
    readonly pointIndex?: number,
  ) {
    super(`OSRM ${request}: ${code}${osrmMessage ? ` — ${osrmMessage}` : ''}${pointIndex === undefined ? '' : ` (point ${pointIndex})`}`);
  }
}

/** A request kept failing (timeouts, 5xx, network errors) through every retry. */
export class OsrmUnavailableError extends Error {
  override name = 'OsrmUnavailableError';
  constructor(
    readonly request: string,
    readonly attempts: number,
    readonly lastError: string,
  ) {
    super(`OSRM ${request} failed after ${attempts} attempts; last error: ${lastError}`);
  }
}
