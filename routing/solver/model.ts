/**
 * The problem compiled into flat arrays for the search, and the route state it works on.
 *
 * A route of vehicle v is: its anchor (the start location, or the last fixed stop), the free stops, its end.
 * Position 0 is the anchor, 1..m the free stops, m+1 the end. Per position the route keeps the departure time
 * (the end's: its arrival) and `late`, the latest arrival that keeps the rest of the route feasible, so an
 * insertion is checked in O(windows): arrive at the new job, start it, reach the next position by its `late`.
 * Arriving earlier is never worse (waiting is allowed), which is what makes `late` a single number even with
 * several time windows per job.
 */
import type { Job, Matrix, Problem, SolveOptions, Vehicle } from './types.ts';

export const EPS = 1e-7;

export class SolverInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SolverInputError';
  }
}

export interface Model {
  problem: Problem;
  /** Matrix size: the problem's locations plus one dummy "nowhere" (index L) at zero cost, the end of open routes. */
  size: number;
  dummy: number;
  /** cost (objective), travel time and distance, size × size, Infinity = unreachable. */
  cost: Float64Array;
  dur: Float64Array;
  dist: Float64Array;
  nJobs: number;
  nVehicles: number;
  jobLoc: Int32Array;
  jobSvc: Float64Array;
  jobDemand: Float64Array;
  jobPenalty: Float64Array;
  jobMust: Uint8Array;
  /** Time windows of job j: twA/twB[twStart[j] .. twStart[j+1]). */
  twStart: Int32Array;
  twA: Float64Array;
  twB: Float64Array;
  /** Latest window end of each job. */
  jobLastB: Float64Array;
  /** compat[v * nJobs + j] = vehicle v has every skill job j requires. */
  compat: Uint8Array;
  vStart: Int32Array;
  vEnd: Int32Array;
  vShiftStart: Float64Array;
  vShiftEnd: Float64Array;
  vCap: Float64Array;
  /** Where and when new stops of vehicle v begin: the last fixed stop (or the start) and its departure. */
  vAnchorLoc: Int32Array;
  vAnchorTime: Float64Array;
  /** Fixed jobs of each vehicle in order, their load and cost (start → … → anchor). */
  vFixed: number[][];
  vFixedLoad: Float64Array;
  vFixedCost: Float64Array;
  /** Jobs the search may place (not fixed). */
  freeJobs: number[];
  isFixed: Uint8Array;
  maxCost: number;
  /** Vehicles that are interchangeable while empty (same start, end, shift, capacity, skills; no fixed stops) share a class. */
  vClass: Int32Array;
  nClasses: number;
}

function toFlat(m: Matrix, L: number, name: string): Float64Array {
  if (m.length !== L) throw new SolverInputError(`${name}: expected ${L} rows, got ${m.length}`);
  const size = L + 1;
  const out = new Float64Array(size * size);
  for (let i = 0; i < L; i++) {
    const row = m[i]!;
    if (row.length !== L) throw new SolverInputError(`${name}: row ${i} has ${row.length} entries, expected ${L}`);
    for (let k = 0; k < L; k++) {
      const x = row[k];
      if (x === null || x === undefined) out[i * size + k] = Infinity;
      else if (!Number.isFinite(x) || x < 0) throw new SolverInputError(`${name}[${i}][${k}] = ${x}: expected a number ≥ 0 or null`);
      else out[i * size + k] = x;
    }
  }
  return out; // the dummy row and column stay 0
}

function checkLocation(loc: number | undefined, L: number, what: string) {
  if (loc === undefined) return;
  if (!Number.isInteger(loc) || loc < 0 || loc >= L) throw new SolverInputError(`${what}: location ${loc} is not an index of the ${L}-location matrix`);
}

function normaliseWindows(job: Job): [number, number][] {
  const raw = job.timeWindows?.length ? job.timeWindows : [[-Infinity, Infinity] as [number, number]];
  const sorted = raw.map(([a, b]) => {
    if (!(a <= b)) throw new SolverInputError(`job ${job.id}: time window [${a}, ${b}] is empty`);
    return [a, b] as [number, number];
  });
  sorted.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const w of sorted) {
    const last = merged[merged.length - 1];
    if (last && w[0] <= last[1]) last[1] = Math.max(last[1], w[1]);
    else merged.push([w[0], w[1]]);
  }
  return merged;
}

const hasSkills = (v: Vehicle, j: Job) => (j.skills ?? []).every((s) => (v.skills ?? []).includes(s));

export function compile(problem: Problem, options: SolveOptions): Model {
  const L = problem.durations.length;
  const size = L + 1;
  const dur = toFlat(problem.durations, L, 'durations');
  const dist = toFlat(problem.distances, L, 'distances');
  const cost = options.objective === 'duration' ? dur : dist;
  let maxCost = 0;
  for (const x of cost) if (Number.isFinite(x) && x > maxCost) maxCost = x;

  const { jobs, vehicles } = problem;
  const n = jobs.length;
  const V = vehicles.length;
  const ids = new Set<string>();
  for (const j of jobs) {
    if (ids.has(j.id)) throw new SolverInputError(`job id ${j.id} appears twice`);
    ids.add(j.id);
  }
  const vIndex = new Map<string, number>();
  vehicles.forEach((v, i) => {
    if (vIndex.has(v.id)) throw new SolverInputError(`vehicle id ${v.id} appears twice`);
    vIndex.set(v.id, i);
    checkLocation(v.start, L, `vehicle ${v.id} start`);
    checkLocation(v.end, L, `vehicle ${v.id} end`);
    if (!(v.shift[0] <= v.shift[1])) throw new SolverInputError(`vehicle ${v.id}: shift [${v.shift[0]}, ${v.shift[1]}] is empty`);
  });

  const mustPenalty = options.mustPenalty ?? 1000 * maxCost + 1e6;
  const optionalPenalty = options.optionalPenalty ?? 2 * maxCost;
  const jobLoc = new Int32Array(n);
  const jobSvc = new Float64Array(n);
  const jobDemand = new Float64Array(n);
  const jobPenalty = new Float64Array(n);
  const jobMust = new Uint8Array(n);
  const jobLastB = new Float64Array(n);
  const twStart = new Int32Array(n + 1);
  const twA: number[] = [];
  const twB: number[] = [];
  const isFixed = new Uint8Array(n);
  const fixedByVehicle: { job: number; position: number }[][] = vehicles.map(() => []);
  jobs.forEach((j, i) => {
    checkLocation(j.location, L, `job ${j.id}`);
    if (!(j.service >= 0)) throw new SolverInputError(`job ${j.id}: service ${j.service} must be ≥ 0`);
    jobLoc[i] = j.location;
    jobSvc[i] = j.service;
    jobDemand[i] = j.demand ?? 0;
    jobMust[i] = (j.priority ?? 'must') === 'must' ? 1 : 0;
    jobPenalty[i] = j.penalty ?? (jobMust[i] ? mustPenalty : optionalPenalty);
    twStart[i] = twA.length;
    const windows = normaliseWindows(j);
    for (const [a, b] of windows) {
      twA.push(a);
      twB.push(b);
    }
    jobLastB[i] = windows[windows.length - 1]![1];
    if (j.fixed) {
      const v = vIndex.get(j.fixed.vehicleId);
      if (v === undefined) throw new SolverInputError(`job ${j.id}: fixed on unknown vehicle ${j.fixed.vehicleId}`);
      isFixed[i] = 1;
      fixedByVehicle[v]!.push({ job: i, position: j.fixed.position });
    }
  });
  twStart[n] = twA.length;

  const compat = new Uint8Array(V * n);
  for (let v = 0; v < V; v++) for (let j = 0; j < n; j++) compat[v * n + j] = hasSkills(vehicles[v]!, jobs[j]!) ? 1 : 0;

  const vStart = new Int32Array(V);
  const vEnd = new Int32Array(V);
  const vShiftStart = new Float64Array(V);
  const vShiftEnd = new Float64Array(V);
  const vCap = new Float64Array(V);
  const vAnchorLoc = new Int32Array(V);
  const vAnchorTime = new Float64Array(V);
  const vFixedLoad = new Float64Array(V);
  const vFixedCost = new Float64Array(V);
  const vFixed: number[][] = [];
  vehicles.forEach((v, i) => {
    vStart[i] = v.start;
    vEnd[i] = v.end ?? L;
    vShiftStart[i] = v.shift[0];
    vShiftEnd[i] = v.shift[1];
    vCap[i] = v.capacity ?? Infinity;
    const fixed = fixedByVehicle[i]!.sort((a, b) => a.position - b.position);
    fixed.forEach((f, k) => {
      if (k > 0 && f.position === fixed[k - 1]!.position) throw new SolverInputError(`vehicle ${v.id}: two fixed stops at position ${f.position}`);
    });
    const order = fixed.map((f) => f.job);
    vFixed.push(order);
    let loc = v.start;
    let c = 0;
    let load = 0;
    let time = Math.max(v.shift[0], v.availableFrom ?? -Infinity);
    for (const j of order) {
      c += cost[loc * size + jobLoc[j]!]!;
      loc = jobLoc[j]!;
      load += jobDemand[j]!;
      time = Math.max(time, jobs[j]!.fixed!.departure);
    }
    vAnchorLoc[i] = loc;
    vAnchorTime[i] = time;
    vFixedLoad[i] = load;
    vFixedCost[i] = c;
  });
  const classes = new Map<string, number>();
  const vClass = new Int32Array(V);
  vehicles.forEach((v, i) => {
    const key = vFixed[i]!.length ? `fixed:${i}` : JSON.stringify([v.start, v.end ?? null, v.shift, v.capacity ?? null, [...(v.skills ?? [])].sort(), v.availableFrom ?? null]);
    if (!classes.has(key)) classes.set(key, classes.size);
    vClass[i] = classes.get(key)!;
  });
  const freeJobs: number[] = [];
  for (let j = 0; j < n; j++) if (!isFixed[j]) freeJobs.push(j);

  return {
    problem, size, dummy: L, cost, dur, dist, nJobs: n, nVehicles: V, jobLoc, jobSvc, jobDemand, jobPenalty, jobMust,
    twStart, twA: Float64Array.from(twA), twB: Float64Array.from(twB), jobLastB, compat, vStart, vEnd, vShiftStart,
    vShiftEnd, vCap, vAnchorLoc, vAnchorTime, vFixed, vFixedLoad, vFixedCost, freeJobs, isFixed, maxCost,
    vClass, nClasses: classes.size,
  };
}

/** Start of service at job j when arriving at time t: the first window still open; Infinity if none. */
export function startAt(m: Model, j: number, t: number): number {
  const end = m.twStart[j + 1]!;
  for (let k = m.twStart[j]!; k < end; k++) {
    if (t <= m.twB[k]! + EPS) return t > m.twA[k]! ? t : m.twA[k]!;
  }
  return Infinity;
}

/** Latest arrival at job j such that service can start by `latestStart`; -Infinity if none. */
export function latestArrival(m: Model, j: number, latestStart: number): number {
  const begin = m.twStart[j]!;
  for (let k = m.twStart[j + 1]! - 1; k >= begin; k--) {
    if (m.twA[k]! <= latestStart + EPS) return latestStart < m.twB[k]! ? latestStart : m.twB[k]!;
  }
  return -Infinity;
}

export interface Route {
  v: number;
  /** Free stops (job indexes). */
  stops: number[];
  /** Per position 0..m+1: location, departure (end: arrival), latest feasible arrival. */
  loc: number[];
  dep: number[];
  late: number[];
  /** Objective cost of the whole route (fixed part included); 0 for a route with no stop at all. */
  cost: number;
  load: number;
  feasible: boolean;
}

export function makeRoute(m: Model, v: number, stops: number[]): Route {
  const k = stops.length;
  // Plain arrays: V8 builds small ones faster than typed arrays, and routes are rebuilt on every insertion.
  const loc: number[] = [m.vAnchorLoc[v]!];
  const dep: number[] = [m.vAnchorTime[v]!];
  const N = m.size;
  const C = m.cost;
  const D = m.dur;
  let cost = m.vFixedCost[v]!;
  let load = m.vFixedLoad[v]!;
  let prevLoc = loc[0]!;
  let prevDep = dep[0]!;
  for (let p = 1; p <= k; p++) {
    const j = stops[p - 1]!;
    const l = m.jobLoc[j]!;
    prevDep = startAt(m, j, prevDep + D[prevLoc * N + l]!) + m.jobSvc[j]!;
    cost += C[prevLoc * N + l]!;
    load += m.jobDemand[j]!;
    loc.push(l);
    dep.push(prevDep);
    prevLoc = l;
  }
  const end = m.vEnd[v]!;
  loc.push(end);
  if (k === 0 && m.vFixed[v]!.length === 0) cost = 0;
  else cost += C[prevLoc * N + end]!;
  const back = prevDep + D[prevLoc * N + end]!;
  dep.push(back);
  const late: number[] = new Array<number>(k + 2);
  late[k + 1] = m.vShiftEnd[v]!;
  let feasible = back <= late[k + 1]! + EPS;
  for (let p = k; p >= 1; p--) {
    const j = stops[p - 1]!;
    late[p] = latestArrival(m, j, late[p + 1]! - m.jobSvc[j]! - D[loc[p]! * N + loc[p + 1]!]!);
  }
  late[0] = -Infinity;
  if (load > m.vCap[v]! + EPS || !Number.isFinite(cost)) feasible = false;
  return { v, stops, loc, dep, late, cost, load, feasible };
}

export interface Insertion {
  /** Cost increase; Infinity when no feasible position. */
  delta: number;
  /** Insert before stops[pos] (pos in 0..m). */
  pos: number;
}

/**
 * Cheapest feasible insertion of job j into route r, not better than `bound` (returns delta Infinity when none
 * beats it). With `blink` > 0 each position is skipped with that probability (SISR's blinks).
 */
export function bestInsertion(m: Model, r: Route, j: number, bound: number, out: Insertion, blink = 0, rnd?: () => number): void {
  // Blinks: the gap to the next skipped position is geometric, so one random draw serves many positions.
  // (No closure here: tsx names every closure it creates, which costs more than the whole scan.)
  const logKeep = blink > 0 ? Math.log(1 - blink) : 0;
  out.delta = Infinity;
  out.pos = -1;
  const v = r.v;
  if (!m.compat[v * m.nJobs + j] || r.load + m.jobDemand[j]! > m.vCap[v]! + EPS) return;
  const N = m.size;
  const jl = m.jobLoc[j]!;
  const svc = m.jobSvc[j]!;
  const lastB = m.jobLastB[j]!;
  const C = m.cost;
  const D = m.dur;
  const loc = r.loc;
  const dep = r.dep;
  const late = r.late;
  const k = r.stops.length;
  const emptyBonus = k === 0 && m.vFixed[v]!.length === 0 ? C[loc[0]! * N + loc[1]!]! : 0;
  let best = bound;
  let skipAt = blink > 0 ? Math.floor(Math.log(1 - rnd!()) / logKeep) : Infinity;
  for (let i = 0; i <= k; i++) {
    if (dep[i]! > lastB + EPS) break;
    if (i === skipAt) {
      skipAt = i + 1 + Math.floor(Math.log(1 - rnd!()) / logKeep);
      continue;
    }
    const a = loc[i]!;
    const b = loc[i + 1]!;
    const delta = C[a * N + jl]! + C[jl * N + b]! - C[a * N + b]! + emptyBonus;
    if (!(delta < best)) continue;
    const s = startAt(m, j, dep[i]! + D[a * N + jl]!);
    if (s === Infinity) continue;
    if (s + svc + D[jl * N + b]! > late[i + 1]! + EPS) continue;
    best = delta;
    out.delta = delta;
    out.pos = i;
  }
}
