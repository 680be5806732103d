/**
 * Cache of matrix cells keyed by the rounded coordinates of both ends (5 decimals ≈ 1 m): re-planning a day asks
 * for nearly the same pairs again. Least-recently-used in two generations (the scheme of `quick-lru`): cells go
 * into the current generation; when it is full it becomes the previous one and the one before is dropped; a cell
 * found in the previous generation moves to the current one. Every operation is O(1) (no scan of a Map with
 * deleted entries), and a working set of up to half the capacity is always kept — size the capacity at twice the
 * largest day's matrix (1,100 points → 1.2 M cells → 2.5 M). Cells live in typed arrays indexed by slot; a Map
 * entry per cell holds only its slot. `NaN` stores `null`.
 */
import type { LatLng } from './types.ts';

const POINT_BITS = 2 ** 26;

class Generation {
  readonly slots = new Map<number, number>();
  readonly durations: Float64Array;
  readonly distances: Float64Array;
  constructor(readonly capacity: number) {
    this.durations = new Float64Array(capacity);
    this.distances = new Float64Array(capacity);
  }
  get full() {
    return this.slots.size >= this.capacity;
  }
  put(key: number, duration: number, distance: number) {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(key, slot);
    }
    this.durations[slot] = duration;
    this.distances[slot] = distance;
  }
}

export class CellCache {
  private readonly pointIds = new Map<string, number>();
  private current: Generation;
  private previous: Generation;
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {
    const half = Math.max(0, Math.ceil(capacity / 2));
    this.current = new Generation(half);
    this.previous = new Generation(half);
  }

  get size() {
    return this.current.slots.size + this.previous.slots.size;
  }

  /** A stable number per rounded coordinate. */
  pointId(p: LatLng): number {
    const key = `${p.lat.toFixed(5)},${p.lng.toFixed(5)}`;
    let id = this.pointIds.get(key);
    if (id === undefined) {
      if (this.pointIds.size >= POINT_BITS) this.clear();
      id = this.pointIds.size;
      this.pointIds.set(key, id);
    }
    return id;
  }

  /** [duration, distance] or undefined when not cached. */
  get(from: number, to: number): [number | null, number | null] | undefined {
    const key = from * POINT_BITS + to;
    let gen = this.current;
    let slot = gen.slots.get(key);
    if (slot === undefined) {
      gen = this.previous;
      slot = gen.slots.get(key);
      if (slot === undefined) {
        this.misses++;
        return undefined;
      }
    }
    this.hits++;
    const d = gen.durations[slot]!;
    const m = gen.distances[slot]!;
    if (gen === this.previous) this.write(key, d, m);
    return [Number.isNaN(d) ? null : d, Number.isNaN(m) ? null : m];
  }

  set(from: number, to: number, duration: number | null, distance: number | null) {
    this.write(from * POINT_BITS + to, duration ?? NaN, distance ?? NaN);
  }

  private write(key: number, duration: number, distance: number) {
    if (this.current.capacity === 0) return;
    if (this.current.full && !this.current.slots.has(key)) {
      // The oldest generation goes; its arrays are reused for the new current one.
      const recycled = this.previous;
      recycled.slots.clear();
      this.previous = this.current;
      this.current = recycled;
    }
    this.current.put(key, duration, distance);
  }

  clear() {
    this.pointIds.clear();
    this.current.slots.clear();
    this.previous.slots.clear();
  }
}
