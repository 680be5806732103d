/**
 * The solver's problem and result model. Times are seconds (any epoch, e.g. seconds since local midnight),
 * locations are indexes into the matrices, costs are in the unit of the chosen objective's matrix.
 */

/** A technician (vehicle). */
export interface Vehicle {
  id: string;
  /** Location index where the shift starts. */
  start: number;
  /** Location index where the shift ends; omitted = the route ends at its last stop (no way home counted). */
  end?: number;
  /** [start, end]: leave `start` no earlier than shift[0], be back at `end` (or done at the last stop) by shift[1]. */
  shift: [number, number];
  skills?: string[];
  /** Capacity in the unit of the jobs' `demand`; omitted = unlimited. */
  capacity?: number;
  /**
   * Earliest departure for new stops (e.g. "now" when re-planning during the day). Defaults to the shift start;
   * with fixed stops the vehicle leaves the last one no earlier than its departure either.
   */
  availableFrom?: number;
}

/** A job already done or in progress: kept on its vehicle, at its position, with its actual times. */
export interface FixedStop {
  vehicleId: string;
  /** 0-based position among the vehicle's fixed stops; fixed stops open the route, in this order. */
  position: number;
  arrival: number;
  start: number;
  /** Actual (done) or expected (in progress) departure. */
  departure: number;
}

export type Priority = 'must' | 'optional';

export interface Job {
  id: string;
  location: number;
  /** Service duration in seconds. */
  service: number;
  /** Windows for the start of service, [from, to] inclusive; omitted or empty = any time within the shift. */
  timeWindows?: [number, number][];
  skills?: string[];
  priority?: Priority;
  demand?: number;
  /** Overrides the problem's penalty for leaving this job unassigned (cost units). */
  penalty?: number;
  fixed?: FixedStop;
}

/** A square matrix over locations; `null` = unreachable. */
export type Matrix = readonly (readonly (number | null)[])[];

export type Objective = 'distance' | 'duration';

export interface Problem {
  vehicles: Vehicle[];
  jobs: Job[];
  /** Travel time in seconds, matrix[from][to]. */
  durations: Matrix;
  /** Travel distance in metres (or any unit), matrix[from][to]. */
  distances: Matrix;
}

export interface SolveOptions {
  /** 'distance' minimises total distance; 'duration' total travel time (waiting and service are not counted). */
  objective?: Objective;
  seed?: number;
  /**
   * Wall-clock limit for the search (ms). With only a time limit the number of iterations, hence the result,
   * depends on the machine's speed: give `maxIterations` for results that are the same everywhere.
   */
  timeLimitMs?: number;
  /** Iteration limit; when set, the annealing schedule follows iterations and the result depends only on the seed. */
  maxIterations?: number;
  /** Cost added per unassigned must job (default: 1,000 × the largest finite matrix entry + 1e6). */
  mustPenalty?: number;
  /** Cost added per unassigned optional job (default: 2 × the largest finite matrix entry). */
  optionalPenalty?: number;
  /**
   * Simulated annealing temperatures at the start and the end of the search, as multiples of a typical short
   * edge (the mean cost from a job to its nearest other job). Default { start: 5, end: 0.05 }.
   */
  annealing?: { start: number; end: number };
  /** Called now and then with the search's progress (for heartbeats); must not throw. */
  onProgress?: (p: { iteration: number; elapsedMs: number; bestCost: number }) => void;
}

export interface PlannedStop {
  jobId: string;
  location: number;
  arrival: number;
  /** Start of service. */
  start: number;
  departure: number;
  /** start − arrival. */
  waiting: number;
  /** Travel from the previous stop (or the vehicle's start). */
  travelDistance: number;
  travelDuration: number;
  fixed: boolean;
}

export interface RouteTotals {
  distance: number;
  /** Time from leaving the start to arriving at the end (or leaving the last stop for open routes). */
  duration: number;
  travelDuration: number;
  service: number;
  waiting: number;
}

export interface PlannedRoute {
  vehicleId: string;
  /** Departure from the start location (as late as possible without delaying the first stop). */
  departure: number;
  /** Arrival at the end location (or departure from the last stop for open routes). */
  arrival: number;
  stops: PlannedStop[];
  /** Travel to the end location (0 for open routes). */
  returnDistance: number;
  returnDuration: number;
  load: number;
  totals: RouteTotals;
}

export type UnassignedReason =
  /** No technician has all the required skills. */
  | 'skills'
  /** The location cannot be reached from (or left towards the end of) any skilled technician's route. */
  | 'unreachable'
  /** The demand exceeds the capacity of every skilled technician. */
  | 'capacity'
  /** No time window can be reached within any skilled technician's shift, even with nothing else to do. */
  | 'time_window'
  /** Feasible alone, but no room left: the technicians' shifts or capacity are taken by other jobs. */
  | 'no_room'
  /** Optional job whose cheapest insertion costs more than its penalty. */
  | 'not_profitable';

export interface UnassignedJob {
  jobId: string;
  reason: UnassignedReason;
  detail: string;
}

export interface Solution {
  routes: PlannedRoute[];
  unassigned: UnassignedJob[];
  totals: RouteTotals & { vehiclesUsed: number; assigned: number; unassigned: number };
  /** Objective value (total distance or travel time + penalties for unassigned jobs). */
  cost: number;
  stats: { seed: number; iterations: number; elapsedMs: number; constructionCost: number; improvements: number };
}
