/** Turns the search's state into the solver's result: timed stops, totals, and a reason per unassigned job. */
import { bestInsertion, makeRoute, startAt, type Insertion, type Model } from './model.ts';
import type { State } from './search.ts';
import type { PlannedRoute, PlannedStop, RouteTotals, Solution, UnassignedJob } from './types.ts';

function plannedRoute(m: Model, v: number, stops: number[]): PlannedRoute {
  const N = m.size;
  const { jobs, vehicles } = m.problem;
  const vehicle = vehicles[v]!;
  const fixed = m.vFixed[v]!;
  const all = [...fixed, ...stops];
  const out: PlannedStop[] = [];
  let prevLoc = vehicle.start;
  const time = m.vAnchorTime[v]!;
  // Leave the start as late as possible without delaying the first stop.
  let departure = Math.max(vehicle.shift[0], vehicle.availableFrom ?? -Infinity);
  const first = all[0];
  if (first !== undefined) {
    const travel = m.dur[vehicle.start * N + m.jobLoc[first]!]!;
    const firstStart = fixed.length ? jobs[first]!.fixed!.arrival : startAt(m, first, time + travel);
    departure = fixed.length ? firstStart - travel : Math.max(departure, firstStart - travel);
  }
  let prevDep = departure;
  const totals: RouteTotals = { distance: 0, duration: 0, travelDuration: 0, service: 0, waiting: 0 };
  let load = 0;
  for (const j of all) {
    const loc = m.jobLoc[j]!;
    const travelDuration = m.dur[prevLoc * N + loc]!;
    const travelDistance = m.dist[prevLoc * N + loc]!;
    const fx = jobs[j]!.fixed;
    let arrival: number;
    let start: number;
    let dep: number;
    if (fx) {
      arrival = fx.arrival;
      start = fx.start;
      dep = fx.departure;
    } else {
      // New stops begin no earlier than the anchor time (availableFrom, the last fixed departure).
      arrival = Math.max(prevDep, m.vAnchorTime[v]!) + travelDuration;
      start = startAt(m, j, arrival);
      dep = start + m.jobSvc[j]!;
    }
    out.push({ jobId: jobs[j]!.id, location: loc, arrival, start, departure: dep, waiting: start - arrival, travelDistance, travelDuration, fixed: !!fx });
    totals.distance += travelDistance;
    totals.travelDuration += travelDuration;
    totals.service += dep - start;
    totals.waiting += start - arrival;
    load += m.jobDemand[j]!;
    prevLoc = loc;
    prevDep = dep;
  }
  let returnDistance = 0;
  let returnDuration = 0;
  if (all.length && vehicle.end !== undefined) {
    returnDistance = m.dist[prevLoc * N + vehicle.end]!;
    returnDuration = m.dur[prevLoc * N + vehicle.end]!;
  }
  const arrival = all.length ? prevDep + returnDuration : departure;
  totals.distance += returnDistance;
  totals.travelDuration += returnDuration;
  totals.duration = arrival - departure;
  return { vehicleId: vehicle.id, departure, arrival, stops: out, returnDistance, returnDuration, load, totals };
}

function reasonFor(m: Model, state: State, j: number): UnassignedJob {
  const job = m.problem.jobs[j]!;
  const N = m.size;
  const V = m.nVehicles;
  const skilled: number[] = [];
  for (let v = 0; v < V; v++) if (m.compat[v * m.nJobs + j]) skilled.push(v);
  const id = job.id;
  if (!skilled.length) return { jobId: id, reason: 'skills', detail: `no technician has all of: ${(job.skills ?? []).join(', ')}` };
  const l = m.jobLoc[j]!;
  const reachable = skilled.filter((v) => {
    const a = m.vAnchorLoc[v]!;
    const e = m.vEnd[v]!;
    return [m.dur, m.dist].every((M) => Number.isFinite(M[a * N + l]!) && Number.isFinite(M[l * N + e]!));
  });
  if (!reachable.length) return { jobId: id, reason: 'unreachable', detail: `location ${l} cannot be reached from, or left towards the end of, any of the ${skilled.length} skilled technicians' routes` };
  const roomy = reachable.filter((v) => m.vFixedLoad[v]! + m.jobDemand[j]! <= m.vCap[v]! + 1e-7);
  if (!roomy.length) return { jobId: id, reason: 'capacity', detail: `demand ${m.jobDemand[j]} exceeds the capacity of every skilled technician` };
  const ins: Insertion = { delta: 0, pos: 0 };
  const alone = roomy.filter((v) => {
    bestInsertion(m, makeRoute(m, v, []), j, Infinity, ins);
    return ins.pos >= 0;
  });
  if (!alone.length) return { jobId: id, reason: 'time_window', detail: `no time window can be reached within the shift of any of the ${roomy.length} skilled technicians, even with nothing else to do` };
  let cheapest = Infinity;
  for (const r of state.routes) {
    bestInsertion(m, r, j, cheapest, ins);
    if (ins.delta < cheapest) cheapest = ins.delta;
  }
  if (!m.jobMust[j] && Number.isFinite(cheapest)) {
    return { jobId: id, reason: 'not_profitable', detail: `the cheapest insertion costs ${round(cheapest)}, more than its value ${round(m.jobPenalty[j]!)}` };
  }
  return { jobId: id, reason: 'no_room', detail: `${alone.length} technicians could do it alone, but their shifts or capacity are taken by the other jobs` };
}

const round = (x: number) => Math.round(x * 100) / 100;

export function buildSolution(m: Model, state: State, stats: Solution['stats']): Solution {
  const routes = state.routes.map((r) => plannedRoute(m, r.v, r.stops));
  const totals = { distance: 0, duration: 0, travelDuration: 0, service: 0, waiting: 0, vehiclesUsed: 0, assigned: 0, unassigned: state.unassigned.length };
  for (const r of routes) {
    if (!r.stops.length) continue;
    totals.vehiclesUsed++;
    totals.assigned += r.stops.length;
    totals.distance += r.totals.distance;
    totals.duration += r.totals.duration;
    totals.travelDuration += r.totals.travelDuration;
    totals.service += r.totals.service;
    totals.waiting += r.totals.waiting;
  }
  const unassigned = state.unassigned.map((j) => reasonFor(m, state, j));
  return { routes, unassigned, totals, cost: state.cost, stats };
}
