/**
 * A seeded synthetic field-service day, for tests and the benchmark: technicians starting and ending at home,
 * 8:00–18:00 shifts, 2–3 skills each; jobs spread over a 30 km square city with 5–25 min of service, one or two
 * time windows (or none), 0–2 required skills, 85 % must-do. Road distance = 1.3 × straight line, 30 km/h.
 */
import { Rng } from './rng.ts';
import type { Job, Problem, Vehicle } from './types.ts';

export const SKILLS = ['electric', 'gas', 'water', 'hvac', 'solar'] as const;
/** Road distance ÷ straight line, and the average speed, of the synthetic city. */
export const SYNTHETIC_DETOUR = 1.3;
export const SYNTHETIC_SPEED_KMH = 30;

export interface SyntheticOptions {
  jobs: number;
  technicians: number;
  seed?: number;
  /** Side of the square city in metres (default 30,000). */
  side?: number;
}

export function syntheticDay(options: SyntheticOptions): Problem {
  return syntheticDayWithPoints(options).problem;
}

/** The same day and the plane coordinates (metres) of its locations, for a bench that asks a road network. */
export function syntheticDayWithPoints({ jobs: nJobs, technicians, seed = 1, side = 30_000 }: SyntheticOptions): { problem: Problem; points: [number, number][] } {
  const rng = new Rng(seed);
  const points: [number, number][] = [];
  const point = () => {
    points.push([rng.next() * side, rng.next() * side]);
    return points.length - 1;
  };
  const hour = 3600;
  const vehicles: Vehicle[] = Array.from({ length: technicians }, (_, i) => {
    const home = point();
    const skills: string[] = SKILLS.filter(() => rng.next() < 0.5);
    if (skills.length < 2) skills.push(SKILLS[i % SKILLS.length]!, SKILLS[(i + 2) % SKILLS.length]!);
    return { id: `tech-${i + 1}`, start: home, end: home, shift: [8 * hour, 18 * hour] as [number, number], skills: [...new Set(skills)].sort() };
  });
  const jobs: Job[] = Array.from({ length: nJobs }, (_, i) => {
    const location = point();
    const service = (5 + rng.int(21)) * 60;
    const kind = rng.next();
    let timeWindows: [number, number][] | undefined;
    if (kind < 0.3) timeWindows = [rng.next() < 0.5 ? [8 * hour, 12 * hour] : [12 * hour, 17 * hour]];
    else if (kind < 0.6) {
      const from = (8 + rng.int(8)) * hour;
      timeWindows = [[from, from + 2 * hour]];
    } else if (kind < 0.7) {
      const a = (8 + rng.int(3)) * hour;
      const b = (13 + rng.int(3)) * hour;
      timeWindows = [
        [a, a + hour],
        [b, b + hour],
      ];
    }
    const skillDraw = rng.next();
    const skills = skillDraw < 0.4 ? [] : skillDraw < 0.9 ? [SKILLS[rng.int(SKILLS.length)]!] : [SKILLS[rng.int(2)]!, SKILLS[2 + rng.int(3)]!];
    return { id: `job-${i + 1}`, location, service, timeWindows, skills, priority: rng.next() < 0.85 ? 'must' : 'optional' };
  });
  const distances = points.map(([x1, y1]) => points.map(([x2, y2]) => Math.round(SYNTHETIC_DETOUR * Math.hypot(x1 - x2, y1 - y2))));
  const durations = distances.map((row) => row.map((d) => Math.round(d / ((SYNTHETIC_SPEED_KMH * 1000) / hour))));
  return { problem: { vehicles, jobs, durations, distances }, points };
}
