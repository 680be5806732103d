/**
 * Construction (regret-2 insertion) and the metaheuristic: ruin and recreate under simulated annealing, after
 * SISR (Christiaens & Vanden Berghe, "Slack Induction by String Removals for Vehicle Routing Problems",
 * Transportation Science 2020). Each iteration removes a few strings of consecutive stops from routes near a
 * random job (a related/Shaw-like removal that makes room in several neighbouring routes at once; sometimes a
 * "split string" that keeps a middle part), then reinserts the removed and the unassigned jobs one by one at
 * their cheapest feasible position, skipping each position with a small probability ("blinks") so that the
 * recreate is not purely greedy. The new solution replaces the current one when its cost is below
 * current − T·ln(U), T cooling geometrically from T0 to Tf over the run.
 */
import { bestInsertion, makeRoute, type Insertion, type Model, type Route } from './model.ts';
import type { Rng } from './rng.ts';

export interface State {
  routes: Route[];
  /** Route index of each job, -1 = not in a free position (unassigned or fixed). */
  routeOf: Int32Array;
  unassigned: number[];
  cost: number;
}

export function stateCost(m: Model, routes: Route[], unassigned: number[]): number {
  let c = 0;
  for (const r of routes) c += r.cost;
  for (const j of unassigned) c += m.jobPenalty[j]!;
  return c;
}

function inserted(stops: number[], pos: number, j: number): number[] {
  const out = stops.slice(0, pos);
  out.push(j);
  for (let i = pos; i < stops.length; i++) out.push(stops[i]!);
  return out;
}

/** Regret-2 insertion: repeatedly places the job whose second-best route is the most worse than its best. */
export function construct(m: Model): State {
  const V = m.nVehicles;
  const routes = Array.from({ length: V }, (_, v) => makeRoute(m, v, []));
  const routeOf = new Int32Array(m.nJobs).fill(-1);
  const pending = [...m.freeJobs];
  const P = pending.length;
  const delta = new Float64Array(P * V);
  const pos = new Int32Array(P * V);
  const ins: Insertion = { delta: 0, pos: 0 };
  const evaluate = (i: number, r: number) => {
    bestInsertion(m, routes[r]!, pending[i]!, Infinity, ins);
    delta[i * V + r] = ins.delta;
    pos[i * V + r] = ins.pos;
  };
  for (let i = 0; i < P; i++) for (let r = 0; r < V; r++) evaluate(i, r);
  const alive = new Uint8Array(P).fill(1);
  for (let left = P; left > 0; left--) {
    let pick = -1;
    let pickRoute = -1;
    let pickRegret = -Infinity;
    let pickBest = Infinity;
    for (let i = 0; i < P; i++) {
      if (!alive[i]) continue;
      let b1 = Infinity;
      let b2 = Infinity;
      let r1 = -1;
      for (let r = 0; r < V; r++) {
        const d = delta[i * V + r]!;
        if (d < b1) {
          b2 = b1;
          b1 = d;
          r1 = r;
        } else if (d < b2) b2 = d;
      }
      const penalty = m.jobPenalty[pending[i]!]!;
      if (r1 < 0 || !(b1 < penalty || m.jobMust[pending[i]!])) continue;
      const regret = Math.min(b2, penalty) - b1;
      if (regret > pickRegret || (regret === pickRegret && b1 < pickBest)) {
        pick = i;
        pickRoute = r1;
        pickRegret = regret;
        pickBest = b1;
      }
    }
    if (pick < 0) break;
    const j = pending[pick]!;
    const r = routes[pickRoute]!;
    routes[pickRoute] = makeRoute(m, r.v, inserted(r.stops, pos[pick * V + pickRoute]!, j));
    routeOf[j] = pickRoute;
    alive[pick] = 0;
    for (let i = 0; i < P; i++) if (alive[i]) evaluate(i, pickRoute);
  }
  const unassigned = pending.filter((_, i) => alive[i]);
  return { routes, routeOf, unassigned, cost: stateCost(m, routes, unassigned) };
}

export interface SearchOptions {
  timeLimitMs: number;
  maxIterations: number;
  onProgress?: (p: { iteration: number; elapsedMs: number; bestCost: number }) => void;
  /** Annealing temperature at the start and the end, in typical short edges (see typicalEdge). */
  annealing?: { start: number; end: number };
}

/** SISR's parameters: mean removed jobs, longest string, split rate and depth, blink rate. */
const C_BAR = 10;
const L_MAX = 10;
const SPLIT_RATE = 0.5;
const SPLIT_DEPTH = 0.01;
const BLINK = 0.01;

/** Neighbours of each free job by cost, itself first (at most K). */
function neighbours(m: Model, K: number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const N = m.size;
  for (const j of m.freeJobs) {
    const lj = m.jobLoc[j]!;
    const others = m.freeJobs.filter((k) => k !== j).map((k) => ({ k, c: Math.min(m.cost[lj * N + m.jobLoc[k]!]!, m.cost[m.jobLoc[k]! * N + lj]!) }));
    others.sort((a, b) => a.c - b.c || a.k - b.k);
    out.set(j, [j, ...others.slice(0, K - 1).map((o) => o.k)]);
  }
  return out;
}

/** Cost of reaching each job from the nearest vehicle start (SISR's "distance to the depot"). */
function depotCost(m: Model): Float64Array {
  const out = new Float64Array(m.nJobs);
  for (const j of m.freeJobs) {
    let best = Infinity;
    for (let v = 0; v < m.nVehicles; v++) best = Math.min(best, m.cost[m.vStart[v]! * m.size + m.jobLoc[j]!]!);
    out[j] = Number.isFinite(best) ? best : 0;
  }
  return out;
}

/** A typical short edge: mean cost from a job to its nearest other job (scales the annealing temperature). */
function typicalEdge(m: Model, nb: Map<number, number[]>): number {
  let sum = 0;
  let count = 0;
  for (const [j, list] of nb) {
    const k = list[1];
    if (k === undefined) continue;
    const c = m.cost[m.jobLoc[j]! * m.size + m.jobLoc[k]!]!;
    if (Number.isFinite(c)) {
      sum += c;
      count++;
    }
  }
  return count ? Math.max(sum / count, 1e-9) : 1;
}

export function search(m: Model, initial: State, rng: Rng, opts: SearchOptions): { best: State; iterations: number; improvements: number } {
  const free = m.freeJobs;
  if (free.length === 0 || m.nVehicles === 0 || opts.maxIterations <= 0) return { best: initial, iterations: 0, improvements: 0 };
  const nb = neighbours(m, Math.min(free.length, 200));
  const fromDepot = depotCost(m);
  const edge = typicalEdge(m, nb);
  const T0 = (opts.annealing?.start ?? 5) * edge;
  const Tf = (opts.annealing?.end ?? 0.05) * edge;
  const rnd = () => rng.next();
  const ins: Insertion = { delta: 0, pos: 0 };
  const V = m.nVehicles;
  const emptySeen = new Int32Array(m.nClasses);
  // Comparators made once (tsx wraps every closure it creates in a naming call: not in the loop).
  const byDemand = (a: number, b: number) => m.jobDemand[b]! - m.jobDemand[a]! || a - b;
  const byFar = (a: number, b: number) => fromDepot[b]! - fromDepot[a]! || a - b;
  const byClose = (a: number, b: number) => fromDepot[a]! - fromDepot[b]! || a - b;
  const mustFirst = (a: number, b: number) => m.jobMust[b]! - m.jobMust[a]!;
  const ascending = (a: number, b: number) => a - b;
  const hasOptional = free.some((j) => !m.jobMust[j]);
  let stamp = 0;

  let current = initial;
  let best = initial;
  let improvements = 0;
  const t0 = performance.now();
  let lastReport = t0;
  let it = 0;
  for (; it < opts.maxIterations; it++) {
    const now = performance.now();
    const elapsed = now - t0;
    if (elapsed >= opts.timeLimitMs) break;
    if (opts.onProgress && now - lastReport > 500) {
      lastReport = now;
      opts.onProgress({ iteration: it, elapsedMs: elapsed, bestCost: best.cost });
    }
    const progress = Number.isFinite(opts.maxIterations) ? it / opts.maxIterations : elapsed / opts.timeLimitMs;
    const T = T0 * Math.pow(Tf / T0, progress);

    // Ruin.
    const routes = current.routes.slice();
    const routeOf = current.routeOf.slice();
    const removed: number[] = [];
    let assigned = 0;
    let used = 0;
    for (const r of routes) {
      if (r.stops.length) {
        assigned += r.stops.length;
        used++;
      }
    }
    if (assigned > 0) {
      const lsMax = Math.min(L_MAX, assigned / used);
      const ksMax = (4 * C_BAR) / (1 + lsMax) - 1;
      const ks = Math.floor(rng.next() * ksMax) + 1;
      let seed = free[rng.int(free.length)]!;
      for (let tries = 0; routeOf[seed]! < 0 && tries < 20; tries++) seed = free[rng.int(free.length)]!;
      const ruined = new Set<number>();
      for (const c of nb.get(seed)!) {
        if (ruined.size >= ks) break;
        const ri = routeOf[c]!;
        if (ri < 0 || ruined.has(ri)) continue;
        const stops = routes[ri]!.stops;
        const t = stops.length;
        const lMaxT = Math.min(t, lsMax);
        const l = Math.floor(rng.next() * lMaxT) + 1;
        const at = stops.indexOf(c);
        let keep = stops;
        if (l < t && rng.next() < SPLIT_RATE) {
          // Split string: a string of l + k stops around c, of which k consecutive ones stay.
          let k = 1;
          while (l + k < t && rng.next() >= SPLIT_DEPTH) k++;
          const len = l + k;
          const lo = Math.max(0, at - len + 1);
          const hi = Math.min(at, t - len);
          const begin = lo + rng.int(hi - lo + 1);
          const keepFrom = begin + rng.int(l + 1);
          keep = [];
          for (let i = 0; i < t; i++) {
            const inString = i >= begin && i < begin + len;
            const kept = i >= keepFrom && i < keepFrom + k;
            if (inString && !kept) removed.push(stops[i]!);
            else keep.push(stops[i]!);
          }
        } else {
          const lo = Math.max(0, at - l + 1);
          const hi = Math.min(at, t - l);
          const begin = lo + rng.int(hi - lo + 1);
          keep = [];
          for (let i = 0; i < t; i++) {
            if (i >= begin && i < begin + l) removed.push(stops[i]!);
            else keep.push(stops[i]!);
          }
        }
        routes[ri] = makeRoute(m, routes[ri]!.v, keep);
        ruined.add(ri);
      }
    }
    for (const j of removed) routeOf[j] = -1;
    // Triangle violations in a road matrix can make a shortened route late: skip such a ruin.
    let broken = false;
    for (const r of routes) if (!r.feasible && r.stops.length) broken = true;
    if (broken) {
      let wasBroken = false;
      for (const r of current.routes) if (!r.feasible && r.stops.length) wasBroken = true;
      if (!wasBroken) continue;
    }

    // Recreate.
    const todo = removed.concat(current.unassigned);
    const order = rng.next() * 11;
    if (order < 4) {
      for (let i = todo.length - 1; i > 0; i--) {
        const k = rng.int(i + 1);
        [todo[i], todo[k]] = [todo[k]!, todo[i]!];
      }
    } else if (order < 8) todo.sort((a, b) => m.jobDemand[b]! - m.jobDemand[a]! || a - b);
    else if (order < 10) todo.sort((a, b) => fromDepot[b]! - fromDepot[a]! || a - b);
    else todo.sort((a, b) => fromDepot[a]! - fromDepot[b]! || a - b);
    todo.sort((a, b) => m.jobMust[b]! - m.jobMust[a]!); // stable: must jobs first, each group in its order
    const unassigned: number[] = [];
    for (const j of todo) {
      let bestDelta = Infinity;
      let bestRoute = -1;
      let bestPos = -1;
      stamp++;
      for (let r = 0; r < V; r++) {
        const route = routes[r]!;
        if (route.stops.length === 0) {
          // Interchangeable empty routes: trying one of each kind is enough.
          const cls = m.vClass[route.v]!;
          if (emptySeen[cls] === stamp) continue;
          emptySeen[cls] = stamp;
        }
        bestInsertion(m, routes[r]!, j, bestDelta, ins, BLINK, rnd);
        if (ins.delta < bestDelta) {
          bestDelta = ins.delta;
          bestRoute = r;
          bestPos = ins.pos;
        }
      }
      if (bestRoute >= 0 && (m.jobMust[j] || bestDelta < m.jobPenalty[j]!)) {
        const r = routes[bestRoute]!;
        routes[bestRoute] = makeRoute(m, r.v, inserted(r.stops, bestPos, j));
        routeOf[j] = bestRoute;
      } else unassigned.push(j);
    }
    unassigned.sort(ascending);
    const cost = stateCost(m, routes, unassigned);
    if (cost < current.cost - T * Math.log(rng.next() || Number.MIN_VALUE)) {
      current = { routes, routeOf, unassigned, cost };
      if (cost < best.cost - 1e-9) {
        best = current;
        improvements++;
      }
    }
  }
  return { best, iterations: it, improvements };
}
