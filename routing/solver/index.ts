/**
 * The route planner: a vehicle routing problem with time windows, skills, shifts, service times, priorities,
 * capacities and fixed stops. Pure (no I/O, no clock other than the optional time limit) and deterministic for a
 * given seed when `maxIterations` bounds the search.
 *
 *   const solution = solve(problem, { objective: 'distance', seed: 1, timeLimitMs: 2000 });
 *   checkSolution(problem, solution)   // the independent feasibility checker (check.ts)
 *
 * Regret-2 insertion builds a first plan; ruin and recreate under simulated annealing (search.ts) improves it
 * until the time or iteration limit. Fixed stops (done or in progress) open their vehicle's route, in their
 * order and with their actual times; new stops follow them.
 */
import { compile } from './model.ts';
import { buildSolution } from './result.ts';
import { Rng } from './rng.ts';
import { construct, search } from './search.ts';
import type { Problem, Solution, SolveOptions } from './types.ts';

export { SolverInputError } from './model.ts';
export { checkSolution, type CheckResult } from './check.ts';
export type * from './types.ts';

/** Default limit when neither a time nor an iteration limit is given. */
export const DEFAULT_TIME_LIMIT_MS = 10_000;

export function solve(problem: Problem, options: SolveOptions = {}): Solution {
  const t0 = performance.now();
  const seed = options.seed ?? 1;
  const model = compile(problem, options);
  const initial = construct(model);
  const maxIterations = options.maxIterations ?? Infinity;
  const timeLimitMs = options.timeLimitMs ?? (options.maxIterations === undefined ? DEFAULT_TIME_LIMIT_MS : Infinity);
  const { best, iterations, improvements } = search(model, initial, new Rng(seed), {
    maxIterations,
    timeLimitMs: Math.max(0, timeLimitMs - (performance.now() - t0)),
    onProgress: options.onProgress,
    annealing: options.annealing,
  });
  return buildSolution(model, best, { seed, iterations, elapsedMs: performance.now() - t0, constructionCost: initial.cost, improvements });
}
