/**
 * Turns a region's technicians and jobs for a day into the solver's problem (routing/solver/types.ts): times in
 * seconds from a base instant, locations as indexes into one list of points (deduplicated, so technicians sharing
 * a depot share a row of the matrix). Pure: the activity loads the documents and builds the matrix.
 *
 * - A technician works the day when its ISO weekday is one of the shift's working days; the shift's local times
 *   become instants in the technician's zone (DST included).
 * - Open and planned jobs are free to plan. In-progress and done jobs of a technician working the day are fixed
 *   stops at their actual times, in the order they started; the re-plan keeps them. Done jobs without times and
 *   jobs of a technician not planned today are left out with a reason.
 */
import type { FixedStop, Job as SolverJob, Problem, Vehicle } from '../../routing/solver/types.ts';
import type { LatLng } from '../../routing/providers/types.ts';

export interface PlanningTechnician {
  _id: string;
  startLocation: LatLng;
  endLocation?: LatLng | null;
  skills?: string[] | null;
  shift: { start: string; end: string; timeZone: string; workingDays?: number[] | null };
}

export interface PlanningJob {
  _id: string;
  location: LatLng;
  serviceMinutes: number;
  timeWindows?: { start: Date; end: Date }[] | null;
  requiredSkills?: string[] | null;
  priority?: 'must' | 'optional' | null;
  status: string;
  technicianId?: string | null;
  startedAt?: Date | null;
  completedAt?: Date | null;
}

export interface PlanningInput {
  /** YYYY-MM-DD. */
  date: string;
  technicians: PlanningTechnician[];
  jobs: PlanningJob[];
  /** Re-planning during the day: new stops no earlier than this instant. */
  notBefore?: Date;
  /** Technicians who dropped out today (their fixed stops stay, they get no new ones). */
  unavailable?: string[];
  /**
   * Of those, the ones dropping out later in the day: until then they may take new stops that bring them back
   * to their end by that instant. An instant already past (or before their fixed stops end) means none.
   */
  unavailableFrom?: Record<string, Date>;
}

export interface PlanningDay {
  /** The problem without its matrices (durations/distances are filled once the points' matrix is known). */
  problem: Omit<Problem, 'durations' | 'distances'>;
  points: LatLng[];
  /** Solver time t is the instant baseMs + t × 1000. */
  baseMs: number;
  /** Jobs not given to the solver, with why. */
  skipped: { jobId: string; reason: string }[];
  /** Technicians not working this day (weekday not in their shift). */
  offDuty: string[];
}

const OFFSET_FORMAT = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at `instantMs`, in ms (local − UTC). */
function zoneOffsetMs(instantMs: number, timeZone: string): number {
  let f = OFFSET_FORMAT.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    OFFSET_FORMAT.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(instantMs)).map((x) => [x.type, x.value]));
  const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return local - Math.floor(instantMs / 1000) * 1000;
}

/** The instant at which the wall clock in `timeZone` shows `hhmm` on `date` (a time skipped by DST moves forward). */
export function wallClockInstant(date: string, hhmm: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d, Number(hhmm.slice(0, 2)), Number(hhmm.slice(3, 5)));
  let instant = guess - zoneOffsetMs(guess, timeZone);
  instant = guess - zoneOffsetMs(instant, timeZone);
  return new Date(instant);
}

/** ISO weekday (1 = Monday) of a calendar date. */
export const isoWeekday = (date: string) => ((new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7) + 1;

export function buildPlanningDay(input: PlanningInput): PlanningDay {
  // A day before the date's UTC midnight: every zone's local day starts after it, so times stay positive.
  const baseMs = Date.parse(`${input.date}T00:00:00Z`) - 86_400_000;
  const t = (d: Date | number) => ((typeof d === 'number' ? d : d.getTime()) - baseMs) / 1000;
  const points: LatLng[] = [];
  const pointIndex = new Map<string, number>();
  const at = (p: LatLng) => {
    const key = `${p.lat.toFixed(6)},${p.lng.toFixed(6)}`;
    let i = pointIndex.get(key);
    if (i === undefined) {
      i = points.push({ lat: p.lat, lng: p.lng }) - 1;
      pointIndex.set(key, i);
    }
    return i;
  };

  const weekday = isoWeekday(input.date);
  const unavailable = new Set(input.unavailable ?? []);
  const offDuty: string[] = [];
  const vehicles: Vehicle[] = [];
  for (const tech of [...input.technicians].sort((a, b) => a._id.localeCompare(b._id))) {
    if (!(tech.shift.workingDays ?? [1, 2, 3, 4, 5]).includes(weekday)) {
      offDuty.push(tech._id);
      continue;
    }
    const shift: [number, number] = [t(wallClockInstant(input.date, tech.shift.start, tech.shift.timeZone)), t(wallClockInstant(input.date, tech.shift.end, tech.shift.timeZone))];
    const vehicle: Vehicle = { id: tech._id, start: at(tech.startLocation), shift, skills: tech.skills ?? [] };
    if (tech.endLocation) vehicle.end = at(tech.endLocation);
    if (input.notBefore) vehicle.availableFrom = Math.max(shift[0], t(input.notBefore));
    // No new stops for a technician who dropped out: nothing is free after their shift's start. One leaving
    // later works a shorter shift instead (settled below, once their fixed stops are known).
    const leaving = input.unavailableFrom?.[tech._id];
    if (unavailable.has(tech._id) && !(leaving && t(leaving) > (vehicle.availableFrom ?? shift[0]))) vehicle.availableFrom = shift[1];
    vehicles.push(vehicle);
  }
  const planned = new Set(vehicles.map((v) => v.id));

  const skipped: PlanningDay['skipped'] = [];
  const jobs: SolverJob[] = [];
  const fixedByTech = new Map<string, { job: SolverJob; startedAt: number }[]>();
  for (const job of [...input.jobs].sort((a, b) => a._id.localeCompare(b._id))) {
    if (job.status === 'cancelled') continue;
    const base: SolverJob = {
      id: job._id,
      location: at(job.location),
      service: Math.round(job.serviceMinutes * 60),
      skills: job.requiredSkills ?? [],
      priority: job.priority ?? 'must',
    };
    const windows = (job.timeWindows ?? []).map((w): [number, number] => [t(w.start), t(w.end)]);
    if (windows.length) base.timeWindows = windows;
    if (job.status === 'open' || job.status === 'planned') {
      jobs.push(base);
      continue;
    }
    // in-progress or done: a fixed stop where it happens(ed), when it started.
    if (!job.technicianId || !job.startedAt) {
      skipped.push({ jobId: job._id, reason: `${job.status} without technician or start time` });
      continue;
    }
    if (!planned.has(job.technicianId)) {
      skipped.push({ jobId: job._id, reason: `${job.status} by a technician not planned today` });
      continue;
    }
    const start = t(job.startedAt);
    const departure = job.completedAt ? t(job.completedAt) : Math.max(start + base.service, input.notBefore ? t(input.notBefore) : 0);
    base.fixed = { vehicleId: job.technicianId, position: 0, arrival: start, start, departure } satisfies FixedStop;
    const list = fixedByTech.get(job.technicianId) ?? [];
    list.push({ job: base, startedAt: start });
    fixedByTech.set(job.technicianId, list);
  }
  for (const list of fixedByTech.values()) {
    list.sort((a, b) => a.startedAt - b.startedAt || a.job.id.localeCompare(b.job.id));
    list.forEach(({ job }, position) => {
      job.fixed!.position = position;
      jobs.push(job);
    });
  }
  for (const vehicle of vehicles) {
    const leaving = input.unavailableFrom?.[vehicle.id];
    if (!unavailable.has(vehicle.id) || !leaving || vehicle.availableFrom === vehicle.shift[1]) continue;
    // The work already begun is never cut short: leaving before it ends means no new stops, the shift unchanged.
    const begunUntil = Math.max(-Infinity, ...(fixedByTech.get(vehicle.id) ?? []).map(({ job }) => job.fixed!.departure));
    if (begunUntil >= t(leaving)) vehicle.availableFrom = vehicle.shift[1];
    else vehicle.shift = [vehicle.shift[0], Math.min(vehicle.shift[1], t(leaving))];
  }
  return { problem: { vehicles, jobs }, points, baseMs, skipped, offDuty };
}
