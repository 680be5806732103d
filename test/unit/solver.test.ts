/**
 * The route planner (routing/solver): optimal on small cases (brute force), reasons for unassigned jobs, fixed
 * stops kept on re-plan, determinism, and Solomon instances — every result validated by the independent checker.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkSolution, solve, SolverInputError, type Job, type Problem, type Solution, type SolveOptions, type Vehicle } from '../../routing/solver/index.ts';
import { Rng } from '../../routing/solver/rng.ts';
import { parseSolomon } from '../../routing/solver/solomon.ts';
import { syntheticDay } from '../../routing/solver/synthetic.ts';

/** Solves and asserts the checker finds nothing wrong. */
function solved(problem: Problem, options: SolveOptions = {}): Solution {
  const solution = solve(problem, { seed: 7, maxIterations: 2000, ...options });
  const check = checkSolution(problem, solution);
  expect(check.violations).toEqual([]);
  return solution;
}

/** Points on a plane → Euclidean matrix (travel time = distance). */
function plane(points: [number, number][]) {
  const m = points.map(([x1, y1]) => points.map(([x2, y2]) => Math.hypot(x1 - x2, y1 - y2)));
  return { durations: m, distances: m };
}

const routeOf = (s: Solution, vehicleId: string) => s.routes.find((r) => r.vehicleId === vehicleId)!.stops.map((x) => x.jobId);
const reasons = (s: Solution) => Object.fromEntries(s.unassigned.map((u) => [u.jobId, u.reason]));

/** Exact optimum of a tiny instance by enumeration: every order of every subset split over the vehicles. */
function bruteForce(p: Problem): number {
  const n = p.jobs.length;
  const d = (a: number, b: number) => p.distances[a]![b]!;
  const t = (a: number, b: number) => p.durations[a]![b]!;
  const routeCost = (v: Vehicle, order: Job[]): number => {
    if (!order.length) return 0;
    let time = v.shift[0];
    let loc = v.start;
    let cost = 0;
    let load = 0;
    for (const j of order) {
      if (!(j.skills ?? []).every((s) => (v.skills ?? []).includes(s))) return Infinity;
      time += t(loc, j.location);
      const w = (j.timeWindows ?? [[-Infinity, Infinity]]).find(([, b]) => time <= b);
      if (!w) return Infinity;
      time = Math.max(time, w[0]) + j.service;
      cost += d(loc, j.location);
      loc = j.location;
      load += j.demand ?? 0;
    }
    if (load > (v.capacity ?? Infinity)) return Infinity;
    time += t(loc, v.end!);
    return time <= v.shift[1] ? cost + d(loc, v.end!) : Infinity;
  };
  const best = new Map<string, number>(); // best cost of a vehicle for a set of jobs (bitmask), over all orders
  const bestFor = (v: Vehicle, mask: number): number => {
    const key = `${v.id}:${mask}`;
    if (best.has(key)) return best.get(key)!;
    const jobs = p.jobs.filter((_, i) => mask & (1 << i));
    let b = Infinity;
    const permute = (prefix: Job[], rest: Job[]) => {
      if (!rest.length) b = Math.min(b, routeCost(v, prefix));
      rest.forEach((j, i) => permute([...prefix, j], [...rest.slice(0, i), ...rest.slice(i + 1)]));
    };
    permute([], jobs);
    best.set(key, b);
    return b;
  };
  const all = (1 << n) - 1;
  const split = (k: number, mask: number): number => {
    const v = p.vehicles[k]!;
    if (k === p.vehicles.length - 1) return bestFor(v, mask);
    let b = Infinity;
    for (let sub = mask; ; sub = (sub - 1) & mask) {
      b = Math.min(b, bestFor(v, sub) + split(k + 1, mask & ~sub));
      if (sub === 0) break;
    }
    return b;
  };
  return split(0, all);
}

describe('solver: small cases with a known optimum', () => {
  it('visits points on a line in order and comes back', () => {
    const problem: Problem = {
      ...plane([[0, 0], [3, 0], [1, 0], [4, 0], [2, 0]]),
      vehicles: [{ id: 'a', start: 0, end: 0, shift: [0, 100] }],
      jobs: [1, 2, 3, 4].map((l) => ({ id: `j${l}`, location: l, service: 0 })),
    };
    const s = solved(problem);
    expect(s.totals.distance).toBeCloseTo(8);
    expect(s.unassigned).toEqual([]);
  });

  it('follows the time windows even when that means driving more', () => {
    // B must come first although A is on the way: optimum 0 → B(10) → A(5) → 0 = 10 + 5 + 5 = 20.
    const problem: Problem = {
      ...plane([[0, 0], [5, 0], [10, 0]]),
      vehicles: [{ id: 'a', start: 0, end: 0, shift: [0, 100] }],
      jobs: [
        { id: 'A', location: 1, service: 1, timeWindows: [[20, 30]] },
        { id: 'B', location: 2, service: 1, timeWindows: [[0, 12]] },
      ],
    };
    const s = solved(problem);
    expect(routeOf(s, 'a')).toEqual(['B', 'A']);
    expect(s.totals.distance).toBeCloseTo(20);
    const a = s.routes[0]!.stops[1]!;
    expect(a.arrival).toBeCloseTo(16);
    expect(a.start).toBe(20);
    expect(a.waiting).toBeCloseTo(4);
  });

  it('uses the second time window when the first cannot be reached', () => {
    const problem: Problem = {
      ...plane([[0, 0], [50, 0]]),
      vehicles: [{ id: 'a', start: 0, end: 0, shift: [0, 500] }],
      jobs: [{ id: 'J', location: 1, service: 10, timeWindows: [[0, 20], [100, 120]] }],
    };
    const s = solved(problem);
    expect(s.routes[0]!.stops[0]!.start).toBe(100);
    expect(s.routes[0]!.departure).toBeCloseTo(50); // leaves as late as it can: no waiting on site
    expect(s.routes[0]!.stops[0]!.waiting).toBeCloseTo(0);
  });

  it('matches brute force on random tiny instances (time windows, capacity, skills, 2–3 vehicles)', () => {
    const rng = new Rng(42);
    for (let round = 0; round < 12; round++) {
      const n = 5 + (round % 3);
      const pts: [number, number][] = Array.from({ length: n + 1 }, () => [Math.round(rng.next() * 40), Math.round(rng.next() * 40)]);
      const V = 2 + (round % 2);
      const problem: Problem = {
        ...plane(pts),
        vehicles: Array.from({ length: V }, (_, i) => ({ id: `v${i}`, start: 0, end: 0, shift: [0, 200] as [number, number], capacity: 4, skills: i === 0 ? ['x'] : [] })),
        jobs: Array.from({ length: n }, (_, i) => {
          const a = Math.round(rng.next() * 120);
          return { id: `j${i}`, location: i + 1, service: 5, demand: 1 + rng.int(2), timeWindows: [[a, a + 30 + rng.int(60)]] as [number, number][], skills: rng.next() < 0.2 ? ['x'] : [] };
        }),
      };
      const optimum = bruteForce(problem);
      const s = solved(problem, { seed: round });
      if (Number.isFinite(optimum)) {
        expect(s.unassigned, `round ${round}`).toEqual([]);
        expect(s.totals.distance, `round ${round}`).toBeCloseTo(optimum, 6);
      } else {
        expect(s.unassigned.length, `round ${round}: brute force says not all fit`).toBeGreaterThan(0);
      }
    }
  });

  it('reports an open route (no end location) without a way home', () => {
    const problem: Problem = {
      ...plane([[0, 0], [10, 0], [20, 0]]),
      vehicles: [{ id: 'a', start: 0, shift: [0, 100] }],
      jobs: [1, 2].map((l) => ({ id: `j${l}`, location: l, service: 0 })),
    };
    const s = solved(problem);
    expect(s.totals.distance).toBeCloseTo(20);
    expect(s.routes[0]!.returnDistance).toBe(0);
  });
});

describe('solver: unassigned jobs and their reasons', () => {
  const base = () => ({
    ...plane([[0, 0], [10, 0], [20, 0], [0, 10], [90, 0]]),
    vehicles: [{ id: 'a', start: 0, end: 0, shift: [0, 100] as [number, number], skills: ['electric'], capacity: 10 }],
  });

  it('names missing skills, unreachable windows, capacity and unreachable locations', () => {
    const problem: Problem = {
      ...base(),
      jobs: [
        { id: 'ok', location: 1, service: 5, skills: ['electric'] },
        { id: 'gas', location: 2, service: 5, skills: ['gas'] },
        { id: 'early', location: 2, service: 5, timeWindows: [[0, 15]] }, // 20 away: cannot start by 15
        { id: 'late', location: 4, service: 5, timeWindows: [[95, 99]] }, // 90 there, 90 back: after the shift
        { id: 'heavy', location: 1, service: 5, demand: 11 },
        { id: 'island', location: 3, service: 5 },
      ],
    };
    problem.durations = problem.durations.map((row, i) => row.map((x, k) => (i === 3 || k === 3) && i !== k ? null : x));
    const s = solved(problem);
    expect(routeOf(s, 'a')).toEqual(['ok']);
    expect(reasons(s)).toEqual({ gas: 'skills', early: 'time_window', late: 'time_window', heavy: 'capacity', island: 'unreachable' });
    for (const u of s.unassigned) expect(u.detail.length).toBeGreaterThan(10);
  });

  it('leaves an optional job out when it costs more than it is worth, and says so', () => {
    const problem: Problem = {
      ...base(),
      vehicles: [{ id: 'a', start: 0, end: 0, shift: [0, 1000] }],
      jobs: [
        { id: 'near', location: 1, service: 5 },
        { id: 'far', location: 4, service: 0, priority: 'optional', penalty: 50 }, // costs 160 more than 'near' alone
        { id: 'cheap', location: 2, service: 0, priority: 'optional', penalty: 50 }, // costs 20 more
      ],
    };
    const s = solved(problem);
    expect(routeOf(s, 'a').sort()).toEqual(['cheap', 'near']);
    expect(reasons(s)).toEqual({ far: 'not_profitable' });
  });

  it('says no_room when each job fits alone but not together, and keeps must jobs before optional ones', () => {
    const problem: Problem = {
      ...base(),
      jobs: [
        { id: 'm1', location: 1, service: 30, timeWindows: [[10, 20]] },
        { id: 'm2', location: 1, service: 30, timeWindows: [[10, 20]] },
        { id: 'o1', location: 1, service: 30, timeWindows: [[10, 20]], priority: 'optional', penalty: 1e5 },
      ],
    };
    const s = solved(problem);
    expect(s.routes[0]!.stops).toHaveLength(1);
    expect(routeOf(s, 'a')[0]).toMatch(/^m/);
    expect(Object.values(reasons(s)).sort()).toEqual(['no_room', 'no_room']);
  });

  it('refuses malformed input with a named error', () => {
    expect(() => solve({ ...base(), durations: [[0]], jobs: [] })).toThrow(SolverInputError);
    expect(() => solve({ ...base(), jobs: [{ id: 'x', location: 99, service: 0 }] })).toThrow(/location 99/);
    expect(() => solve({ ...base(), jobs: [{ id: 'x', location: 1, service: 0, timeWindows: [[5, 1]] }] })).toThrow(/empty/);
  });
});

describe('solver: re-planning keeps fixed stops', () => {
  it('keeps done and in-progress stops where and when they were, plans the rest after them', () => {
    const day = syntheticDay({ jobs: 60, technicians: 4, seed: 3 });
    const first = solved(day, { maxIterations: 3000 });
    const busy = first.routes.filter((r) => r.stops.length >= 3);
    expect(busy.length).toBeGreaterThan(1);

    // Mid-morning: the first stop of each busy route is done (20 min late), the second in progress.
    const fixedIds = new Set<string>();
    const jobs: Job[] = day.jobs.map((j) => ({ ...j }));
    const byId = new Map(jobs.map((j) => [j.id, j]));
    let now = 0;
    for (const r of busy) {
      let shift = 1200;
      r.stops.slice(0, 2).forEach((stop, position) => {
        const job = byId.get(stop.jobId)!;
        job.fixed = { vehicleId: r.vehicleId, position, arrival: stop.arrival + shift, start: stop.start + shift, departure: stop.departure + shift + (position ? 600 : 0) };
        shift += position ? 600 : 0;
        fixedIds.add(job.id);
        now = Math.max(now, stop.start + 1200);
      });
    }
    // A job is cancelled, one is added, one technician is unavailable from now on (no fixed stops of their own).
    const cancelled = first.routes.flatMap((r) => r.stops.slice(3)).find((x) => x)!.jobId;
    const idle = first.routes.find((r) => !busy.includes(r)) ?? busy[busy.length - 1]!;
    const replan: Problem = {
      ...day,
      vehicles: day.vehicles
        .filter((v) => !(v.id === idle.vehicleId && !busy.includes(idle)))
        .map((v) => ({ ...v, availableFrom: now })),
      jobs: [...jobs.filter((j) => j.id !== cancelled), { id: 'added', location: day.jobs[0]!.location, service: 600, skills: [] }],
    };
    const second = solved(replan, { maxIterations: 3000 });
    for (const r of busy) {
      const stops = second.routes.find((x) => x.vehicleId === r.vehicleId)!.stops;
      expect(stops.slice(0, 2).map((x) => x.jobId)).toEqual(r.stops.slice(0, 2).map((x) => x.jobId));
      expect(stops.slice(0, 2).every((x) => x.fixed)).toBe(true);
      for (const x of stops.slice(2)) expect(x.arrival - x.travelDuration).toBeGreaterThanOrEqual(now - 1e-6);
    }
    const planned = second.routes.flatMap((r) => r.stops.map((x) => x.jobId));
    expect(planned).not.toContain(cancelled);
    expect([...planned, ...second.unassigned.map((u) => u.jobId)]).toContain('added');
  });
});

describe('solver: determinism', () => {
  it('gives the same plan for the same seed and iteration limit', () => {
    const day = syntheticDay({ jobs: 80, technicians: 5, seed: 11 });
    const strip = (s: Solution) => JSON.stringify({ ...s, stats: { ...s.stats, elapsedMs: 0 } });
    const a = solved(day, { seed: 5, maxIterations: 1500 });
    const b = solved(day, { seed: 5, maxIterations: 1500 });
    expect(strip(a)).toBe(strip(b));
    expect(a.stats.iterations).toBe(1500);
  });
});

describe('solver: the checker can fail', () => {
  const problem: Problem = {
    ...plane([[0, 0], [10, 0], [20, 0], [0, 10]]),
    vehicles: [
      { id: 'a', start: 0, end: 0, shift: [0, 200], skills: ['gas'], capacity: 3 },
      { id: 'b', start: 0, end: 0, shift: [0, 200], capacity: 3 },
    ],
    jobs: [
      { id: 'j1', location: 1, service: 5, timeWindows: [[0, 50]], demand: 2 },
      { id: 'j2', location: 2, service: 5, skills: ['gas'], demand: 1 },
      { id: 'j3', location: 3, service: 5, demand: 1 },
    ],
  };
  const good = () => structuredClone(solved(problem));

  it('accepts the solver’s plan and catches each kind of breakage', () => {
    const broken: [string, (s: Solution) => void, RegExp][] = [
      ['outside a window', (s) => {
        const st = s.routes.flatMap((r) => r.stops).find((x) => x.jobId === 'j1')!;
        st.arrival += 100; st.start += 100; st.departure += 100;
      }, /outside its time windows/],
      ['arrives too early', (s) => {
        const st = s.routes.flatMap((r) => r.stops)[0]!;
        st.arrival -= 3; st.waiting += 3;
      }, /arrives at/],
      ['job twice', (s) => {
        const r = s.routes.find((x) => x.stops.length)!;
        r.stops.push({ ...r.stops[0]! });
      }, /already planned/],
      ['job lost', (s) => {
        for (const r of s.routes) r.stops = r.stops.filter((x) => x.jobId !== 'j3');
      }, /neither planned nor reported/],
      ['skills', (s) => {
        const a = s.routes.find((r) => r.vehicleId === 'a')!;
        const b = s.routes.find((r) => r.vehicleId === 'b')!;
        [a.vehicleId, b.vehicleId] = [b.vehicleId, a.vehicleId];
      }, /lacks gas/],
      ['shift', (s) => {
        const r = s.routes.find((x) => x.stops.length)!;
        for (const st of r.stops) { st.start += 190; st.arrival += 190; st.departure += 190; }
      }, /after its shift ends|outside/],
    ];
    expect(checkSolution(problem, good()).ok).toBe(true);
    for (const [what, breakIt, message] of broken) {
      const s = good();
      breakIt(s);
      const result = checkSolution(problem, s);
      expect(result.ok, what).toBe(false);
      expect(result.violations.join('\n'), what).toMatch(message);
    }
  });

  it('catches a moved fixed stop and capacity overflow', () => {
    const withFixed: Problem = { ...problem, jobs: problem.jobs.map((j) => (j.id === 'j3' ? { ...j, fixed: { vehicleId: 'b', position: 0, arrival: 10, start: 10, departure: 15 } } : j)) };
    const s = solve(withFixed, { seed: 1, maxIterations: 100 });
    expect(checkSolution(withFixed, s).violations).toEqual([]);
    const moved = structuredClone(s);
    const b = moved.routes.find((r) => r.vehicleId === 'b')!;
    b.stops[0]!.start = 12;
    expect(checkSolution(withFixed, moved).violations.join('\n')).toMatch(/fixed times/);
    const heavy: Problem = { ...withFixed, jobs: withFixed.jobs.map((j) => ({ ...j, demand: 3 })) };
    const over = structuredClone(s);
    expect(checkSolution(heavy, over).violations.join('\n')).toMatch(/exceeds capacity/);
  });
});

describe('solver: Solomon instances and a synthetic day', () => {
  const bks = JSON.parse(readFileSync(new URL('../fixtures/vrptw/bks-solomon.json', import.meta.url), 'utf8')) as Record<string, { best_known_cost: number }>;
  for (const name of ['C101', 'R101', 'RC105', 'R202']) {
    it(`${name}: feasible, everything served, within 5 % of the best known distance`, () => {
      const { problem } = parseSolomon(readFileSync(new URL(`../fixtures/vrptw/${name}.txt`, import.meta.url), 'utf8'));
      expect(problem.jobs).toHaveLength(100);
      const s = solved(problem, { objective: 'distance', maxIterations: 4000 });
      expect(s.unassigned).toEqual([]);
      expect(s.totals.distance / bks[`${name}_distance`]!.best_known_cost).toBeLessThan(1.05);
    });
  }

  it('a synthetic day of 200 jobs and 10 technicians: skills respected, unassigned jobs explained', () => {
    const day = syntheticDay({ jobs: 200, technicians: 10, seed: 2 });
    const s = solved(day, { objective: 'duration', maxIterations: 1500 });
    expect(s.totals.assigned + s.unassigned.length).toBe(200);
    expect(s.totals.assigned).toBeGreaterThan(150);
  });
});
