/**
 * Reads a Solomon (1987) VRPTW instance in the standard text format into a solver problem: node 0 is the depot,
 * distances are Euclidean and unrounded, travel time = distance, the fleet is the file's vehicle count with its
 * capacity, each vehicle's shift is the depot's window, each customer one time window for the start of service.
 * Pure: takes the file's text.
 */
import type { Problem } from './types.ts';

export interface SolomonInstance {
  name: string;
  vehicles: number;
  capacity: number;
  problem: Problem;
}

export function parseSolomon(text: string): SolomonInstance {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const name = lines.find((l) => l.length > 0) ?? 'unknown';
  const fleetAt = lines.findIndex((l) => /^NUMBER\s+CAPACITY/i.test(l));
  if (fleetAt < 0) throw new Error('not a Solomon instance: no "NUMBER CAPACITY" line');
  const [vehicles, capacity] = lines[fleetAt + 1]!.split(/\s+/).map(Number) as [number, number];
  const custAt = lines.findIndex((l) => /^CUST\s+NO\./i.test(l));
  if (custAt < 0) throw new Error('not a Solomon instance: no "CUST NO." header');
  const nodes = lines
    .slice(custAt + 1)
    .filter((l) => /^\d/.test(l))
    .map((l) => {
      const [id, x, y, demand, ready, due, service] = l.split(/\s+/).map(Number) as number[];
      return { id: id!, x: x!, y: y!, demand: demand!, ready: ready!, due: due!, service: service! };
    });
  const depot = nodes[0]!;
  const matrix = nodes.map((a) => nodes.map((b) => Math.hypot(a.x - b.x, a.y - b.y)));
  const problem: Problem = {
    vehicles: Array.from({ length: vehicles }, (_, i) => ({ id: `v${i + 1}`, start: 0, end: 0, shift: [depot.ready, depot.due] as [number, number], capacity })),
    jobs: nodes.slice(1).map((c, i) => ({
      id: String(c.id),
      location: i + 1,
      service: c.service,
      demand: c.demand,
      timeWindows: [[c.ready, c.due] as [number, number]],
    })),
    durations: matrix,
    distances: matrix,
  };
  return { name, vehicles, capacity, problem };
}
