/**
 * An independent feasibility checker for solver results. It shares no code with the solver's bookkeeping: it
 * recomputes every arrival from the matrices and the previous departure and checks time windows, shifts,
 * skills, capacity, that each job is planned at most once (and is either planned or reported unassigned),
 * that fixed stops are kept where and when they were, and that the reported totals add up.
 */
import type { Job, Problem, Solution } from './types.ts';

export interface CheckResult {
  ok: boolean;
  violations: string[];
}

const TOL = 1e-6;
const near = (a: number, b: number) => Math.abs(a - b) <= TOL * Math.max(1, Math.abs(a), Math.abs(b));

function inWindow(job: Job, t: number): boolean {
  if (!job.timeWindows?.length) return true;
  return job.timeWindows.some(([a, b]) => t >= a - TOL && t <= b + TOL);
}

function travel(matrix: Problem['durations'], from: number, to: number): number {
  const x = matrix[from]?.[to];
  return x === null || x === undefined ? Infinity : x;
}

export function checkSolution(problem: Problem, solution: Solution): CheckResult {
  const v: string[] = [];
  const jobs = new Map(problem.jobs.map((j) => [j.id, j]));
  const vehicles = new Map(problem.vehicles.map((x) => [x.id, x]));
  const seen = new Map<string, string>();
  const routesOf = new Set<string>();
  let distance = 0;
  let waiting = 0;

  for (const route of solution.routes) {
    const vehicle = vehicles.get(route.vehicleId);
    if (!vehicle) {
      v.push(`route of unknown vehicle ${route.vehicleId}`);
      continue;
    }
    if (routesOf.has(vehicle.id)) v.push(`vehicle ${vehicle.id} has two routes`);
    routesOf.add(vehicle.id);
    const where = `vehicle ${vehicle.id}`;
    if (!route.stops.length) continue;
    if (route.departure < vehicle.shift[0] - TOL) v.push(`${where}: leaves at ${route.departure}, before its shift starts (${vehicle.shift[0]})`);
    let loc = vehicle.start;
    let time = route.departure;
    let load = 0;
    let routeDistance = 0;
    let routeWaiting = 0;
    let fixedCount = 0;
    const newFrom = vehicle.availableFrom ?? -Infinity;
    route.stops.forEach((stop, i) => {
      const job = jobs.get(stop.jobId);
      const at = `${where}, stop ${i} (${stop.jobId})`;
      if (!job) {
        v.push(`${at}: unknown job`);
        return;
      }
      if (seen.has(job.id)) v.push(`${at}: job already planned on ${seen.get(job.id)}`);
      seen.set(job.id, vehicle.id);
      if (stop.location !== job.location) v.push(`${at}: location ${stop.location}, the job's is ${job.location}`);
      const missing = (job.skills ?? []).filter((s) => !(vehicle.skills ?? []).includes(s));
      if (missing.length) v.push(`${at}: technician lacks ${missing.join(', ')}`);
      const d = travel(problem.durations, loc, job.location);
      const dist = travel(problem.distances, loc, job.location);
      if (!Number.isFinite(d) || !Number.isFinite(dist)) v.push(`${at}: location unreachable from ${loc}`);
      if (!near(stop.travelDuration, d) || !near(stop.travelDistance, dist)) v.push(`${at}: travel ${stop.travelDuration} s / ${stop.travelDistance}, the matrix says ${d} / ${dist}`);
      routeDistance += dist;
      if (job.fixed) {
        const f = job.fixed;
        if (f.vehicleId !== vehicle.id) v.push(`${at}: fixed on ${f.vehicleId}, planned on ${vehicle.id}`);
        if (i !== fixedCount) v.push(`${at}: fixed stop after a new stop`);
        fixedCount++;
        if (!near(stop.arrival, f.arrival) || !near(stop.start, f.start) || !near(stop.departure, f.departure)) {
          v.push(`${at}: fixed times ${f.arrival}/${f.start}/${f.departure} changed to ${stop.arrival}/${stop.start}/${stop.departure}`);
        }
        if (!stop.fixed) v.push(`${at}: fixed stop not marked fixed`);
      } else {
        // Leaving the previous stop (or the start) no earlier than possible, driving, arriving.
        const leave = i === fixedCount ? Math.max(time, newFrom, vehicle.shift[0]) : time;
        if (stop.arrival < leave + d - TOL) v.push(`${at}: arrives at ${stop.arrival}, but leaving at ${leave} and driving ${d} s arrives at ${leave + d}`);
        if (stop.arrival - d < newFrom - TOL) v.push(`${at}: new stop reached by leaving at ${stop.arrival - d}, before the technician is available (${newFrom})`);
        if (stop.start < stop.arrival - TOL) v.push(`${at}: starts at ${stop.start}, before arriving at ${stop.arrival}`);
        if (!inWindow(job, stop.start)) v.push(`${at}: starts at ${stop.start}, outside its time windows ${JSON.stringify(job.timeWindows)}`);
        if (stop.departure < stop.start + job.service - TOL) v.push(`${at}: leaves at ${stop.departure}, before its ${job.service} s of service end`);
        if (stop.fixed) v.push(`${at}: marked fixed but the job is not`);
      }
      if (!near(stop.waiting, stop.start - stop.arrival)) v.push(`${at}: waiting ${stop.waiting} ≠ start − arrival`);
      routeWaiting += stop.start - stop.arrival;
      load += job.demand ?? 0;
      loc = job.location;
      time = stop.departure;
    });
    if (vehicle.end !== undefined) {
      const d = travel(problem.durations, loc, vehicle.end);
      const dist = travel(problem.distances, loc, vehicle.end);
      if (!Number.isFinite(d) || !Number.isFinite(dist)) v.push(`${where}: end ${vehicle.end} unreachable from ${loc}`);
      routeDistance += dist;
      time += d;
    }
    if (time > vehicle.shift[1] + TOL) v.push(`${where}: back at ${time}, after its shift ends (${vehicle.shift[1]})`);
    if (!near(route.arrival, time)) v.push(`${where}: reported arrival ${route.arrival}, recomputed ${time}`);
    if (vehicle.capacity !== undefined && load > vehicle.capacity + TOL) v.push(`${where}: load ${load} exceeds capacity ${vehicle.capacity}`);
    if (!near(route.totals.distance, routeDistance)) v.push(`${where}: reported distance ${route.totals.distance}, recomputed ${routeDistance}`);
    if (!near(route.totals.waiting, routeWaiting)) v.push(`${where}: reported waiting ${route.totals.waiting}, recomputed ${routeWaiting}`);
    distance += routeDistance;
    waiting += routeWaiting;
  }

  // Fixed stops: on their vehicle, in their order.
  const fixedBy = new Map<string, Job[]>();
  for (const job of problem.jobs) if (job.fixed) fixedBy.set(job.fixed.vehicleId, [...(fixedBy.get(job.fixed.vehicleId) ?? []), job]);
  for (const [vehicleId, list] of fixedBy) {
    list.sort((a, b) => a.fixed!.position - b.fixed!.position);
    const route = solution.routes.find((r) => r.vehicleId === vehicleId);
    list.forEach((job, k) => {
      if (route?.stops[k]?.jobId !== job.id) v.push(`fixed job ${job.id} is not stop ${k} of vehicle ${vehicleId} (found ${route?.stops[k]?.jobId ?? 'nothing'})`);
    });
  }

  // Every job planned once or reported unassigned once, never both.
  const reported = new Set<string>();
  for (const u of solution.unassigned) {
    const job = jobs.get(u.jobId);
    if (!job) v.push(`unassigned: unknown job ${u.jobId}`);
    if (reported.has(u.jobId)) v.push(`unassigned: ${u.jobId} reported twice`);
    reported.add(u.jobId);
    if (seen.has(u.jobId)) v.push(`job ${u.jobId} is both planned and unassigned`);
    if (job?.fixed) v.push(`fixed job ${u.jobId} reported unassigned`);
    if (job && u.reason === 'skills' && problem.vehicles.some((x) => (job.skills ?? []).every((s) => (x.skills ?? []).includes(s)))) {
      v.push(`unassigned ${u.jobId}: reason 'skills', but a technician has them all`);
    }
  }
  for (const job of problem.jobs) if (!seen.has(job.id) && !reported.has(job.id)) v.push(`job ${job.id} is neither planned nor reported unassigned`);

  if (!near(solution.totals.distance, distance)) v.push(`total distance ${solution.totals.distance}, recomputed ${distance}`);
  if (!near(solution.totals.waiting, waiting)) v.push(`total waiting ${solution.totals.waiting}, recomputed ${waiting}`);
  if (solution.totals.unassigned !== solution.unassigned.length) v.push(`totals.unassigned ${solution.totals.unassigned} ≠ ${solution.unassigned.length}`);
  return { ok: v.length === 0, violations: v };
}
